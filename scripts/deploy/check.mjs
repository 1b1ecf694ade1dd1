#!/usr/bin/env node
// `npm run deploy [-- <wrangler deploy flags>]`: the deploy check, then `wrangler deploy` with the
// same flags. The check refuses what must never reach a deployment:
//  - LOCAL_DEVELOPMENT, in wrangler.toml's [vars] (or an [env.*.vars]) or a `--var`: it lets shops'
//    test postbacks reach loopback and private addresses, which only a developer's machine may allow;
//  - on a real deploy (not --dry-run), a PUBLIC_BASE_URL that is not public https: pay links and
//    Bansky's return and postback URLs are built from it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'smol-toml';

const root = resolve(import.meta.dirname, '..', '..');
const LOCAL_ONLY = ['LOCAL_DEVELOPMENT'];

/** Each flag's value, whether written `--flag value` or `--flag=value`. */
function flagValues(args, flag) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === flag && args[i + 1] !== undefined) values.push(args[i + 1]);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  });
  return values;
}

function isLoopbackHost(host) {
  const h = host.replace(/\.+$/, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '[::1]' || h === '0.0.0.0';
}

/** What is wrong with deploying `tomlText` with these `wrangler deploy` flags (empty: nothing). */
export function deployProblems(tomlText, args = []) {
  const config = parse(tomlText);
  const envName = flagValues(args, '--env')[0] ?? flagValues(args, '-e')[0];
  const problems = [];
  const varTables = [['[vars]', config.vars ?? {}]];
  for (const [name, section] of Object.entries(config.env ?? {})) varTables.push([`[env.${name}.vars]`, section.vars ?? {}]);
  for (const [where, vars] of varTables) {
    for (const name of LOCAL_ONLY) {
      if (name in vars) problems.push(`${name} is set in wrangler.toml ${where}: it is for local development only (.dev.vars); remove it.`);
    }
  }
  for (const spec of flagValues(args, '--var')) {
    const name = spec.split(':')[0];
    if (LOCAL_ONLY.includes(name)) problems.push(`--var ${name}: it is for local development only; do not deploy with it.`);
  }
  if (!args.includes('--dry-run')) {
    const vars = { ...(config.vars ?? {}), ...(envName ? (config.env?.[envName]?.vars ?? {}) : {}) };
    for (const spec of flagValues(args, '--var')) {
      const at = spec.indexOf(':');
      if (at > 0) vars[spec.slice(0, at)] = spec.slice(at + 1);
    }
    const base = URL.canParse(vars.PUBLIC_BASE_URL ?? '') ? new URL(vars.PUBLIC_BASE_URL) : null;
    if (base?.protocol !== 'https:' || isLoopbackHost(base.hostname)) {
      problems.push(
        `PUBLIC_BASE_URL is ${JSON.stringify(vars.PUBLIC_BASE_URL ?? '')}: set the public https URL shops and customers reach in wrangler.toml [vars] (docs/internal/deploy.md, step 4).`,
      );
    }
  }
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const configPath = flagValues(args, '--config')[0] ?? flagValues(args, '-c')[0] ?? join(root, 'wrangler.toml');
  const problems = deployProblems(readFileSync(resolve(root, configPath), 'utf8'), args);
  if (problems.length > 0) {
    console.error(`Deploy check failed (nothing was deployed):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}
