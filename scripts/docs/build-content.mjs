#!/usr/bin/env node
// `npm run docs:build`: turns the Markdown under docs/ into what the Worker serves.
//  1. Regenerates the blocks between `<!-- BEGIN GENERATED: <name> -->` and `<!-- END GENERATED -->`
//     in the Markdown from openapi.yaml (the error code table comes from ErrorCode's enum and
//     x-enumDescriptions, never retyped).
//  2. Writes what the Worker serves the docs from, as static assets it reads itself (never served
//     as they are: wrangler.toml routes /_private/* to the Worker, which answers 404 there):
//     public/_private/public-guide.md and internal-guide.md, the public and the internal guide, each
//     one Markdown document, which the Worker puts into the spec it hands Scalar as
//     `info.description`; and public/_private/openapi.json, the contract as JSON (the same as
//     generated/openapi.json), from which it derives every document it serves (src/api/contract/served.ts).
//  3. Draws each Mermaid sequence diagram announced by `<!-- diagram: <name> "<title>" -->` as
//     public/docs/diagrams/<name>.svg, and shows that picture in the Worker's copy of the guide
//     (GitHub renders the Mermaid block; Scalar gets the SVG from our origin).
// `--check` changes nothing and exits 1 when a file is stale (the docs tests run it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { sequenceSvg } from './sequence-svg.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/** Reading order of each guide; each file starts with its own `#` heading (one sidebar entry each). */
export const GUIDES = {
  PUBLIC_GUIDE: [
    'public/quick-start.md',
    'public/generate-a-client.md',
    'public/payment-flow.md',
    'public/test-and-live-mode.md',
    'public/idempotency.md',
    'public/redirect-hosts.md',
    'public/postbacks.md',
    'public/retries-and-status.md',
    'public/reconcile.md',
    'public/errors.md',
    'public/go-live-checklist.md',
    'public/shop-app.md',
  ],
  INTERNAL_GUIDE: [
    'internal/shops-and-tokens.md',
    'internal/stats.md',
    'internal/metabase.md',
    'internal/deploy.md',
    'internal/runbook.md',
    'internal/internal-docs-access.md',
    'internal/shop-app-members.md',
    'internal/payments-index.md',
  ],
};

/** Static assets only the Worker reads (env.ASSETS); src/api/contract/served.ts names the same files. */
const PRIVATE_DIR = join(root, 'public', '_private');
const GUIDE_FILES = { PUBLIC_GUIDE: 'public-guide.md', INTERNAL_GUIDE: 'internal-guide.md' };

function errorCodeTable(spec) {
  const schema = spec.components.schemas.ErrorCode;
  const meanings = schema['x-enumDescriptions'] ?? {};
  const missing = schema.enum.filter((code) => !meanings[code]);
  if (missing.length) throw new Error(`ErrorCode x-enumDescriptions lacks: ${missing.join(', ')}`);
  const rows = schema.enum.map((code) => `| \`${code}\` | ${String(meanings[code]).replace(/\|/g, '\\|').trim()} |`);
  return ['| `code` | meaning |', '| --- | --- |', ...rows].join('\n');
}

/** `# comment` lines followed by `NAME=value` in .dev.vars.example → one row per secret. */
function commentedSettings(lines, match) {
  const rows = [];
  let comments = [];
  for (const line of lines) {
    const setting = match(line);
    if (line.startsWith('#')) comments.push(line.replace(/^#\s?/, ''));
    else if (setting) {
      rows.push({ name: setting.name, value: setting.value, about: comments.join(' ').trim() });
      comments = [];
    } else comments = [];
  }
  return rows;
}

/** The line of .dev.vars.example after which come settings of local development, which a deployment never has. */
const LOCAL_ONLY_MARKER = /^# ── Local development only/m;

function secretsTable() {
  const text = readFileSync(join(root, '.dev.vars.example'), 'utf8');
  const lines = text.slice(0, LOCAL_ONLY_MARKER.exec(text)?.index ?? text.length).split('\n');
  const secrets = commentedSettings(lines, (l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l) && { name: RegExp.$1, value: RegExp.$2 });
  const rows = secrets.map((s) => `| \`${s.name}\` | ${s.about.replace(/\|/g, '\\|')} | \`npx wrangler secret put ${s.name}\` |`);
  return ['| secret | what it is | set it with |', '| --- | --- | --- |', ...rows].join('\n');
}

function varsTable() {
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  const section = /^\[vars\]\n([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(toml)?.[1] ?? '';
  const vars = commentedSettings(
    section.split('\n'),
    (l) => /^([A-Z][A-Z0-9_]*)\s*=\s*"(.*)"/.exec(l) && { name: RegExp.$1, value: RegExp.$2 },
  );
  const rows = vars.map((v) => `| \`${v.name}\` | ${v.value ? `\`${v.value}\`` : '(empty)'} | ${v.about.replace(/\|/g, '\\|')} |`);
  return ['| variable | value in wrangler.toml | notes |', '| --- | --- | --- |', ...rows].join('\n');
}

const GENERATORS = { 'error-codes': errorCodeTable, secrets: secretsTable, vars: varsTable };

/** Replaces each generated block's body; throws on an unknown generator name. */
export function fillGeneratedBlocks(markdown, spec) {
  return markdown.replace(/(<!-- BEGIN GENERATED: ([a-z-]+)[^>]*-->\n)[\s\S]*?(<!-- END GENERATED -->)/g, (_all, begin, name, end) => {
    const generate = GENERATORS[name];
    if (!generate) throw new Error(`unknown generated block "${name}"`);
    return `${begin}${generate(spec)}\n${end}`;
  });
}

const DIAGRAM = /<!-- diagram: ([a-z-]+) "([^"]+)" -->\n```mermaid\n([\s\S]*?)\n```/g;

/** Renders the announced diagrams; returns the Markdown the Worker serves (pictures instead of Mermaid). */
function drawDiagrams(markdown, outputs) {
  return markdown.replace(DIAGRAM, (_all, name, title, source) => {
    outputs.push({ path: join(root, 'public', 'docs', 'diagrams', `${name}.svg`), content: sequenceSvg(source, title) });
    // Linked to itself: on a small screen the picture is scaled down, the link shows it full size.
    return `[![${title}](/docs/diagrams/${name}.svg)](/docs/diagrams/${name}.svg)`;
  });
}

/** Computes every output without writing: [{ path, content }]. */
export function buildDocsContent() {
  const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8'));
  const outputs = [];
  const guides = {};
  for (const [name, files] of Object.entries(GUIDES)) {
    const parts = files.map((file) => {
      const path = join(root, 'docs', file);
      const content = fillGeneratedBlocks(readFileSync(path, 'utf8'), spec);
      outputs.push({ path, content });
      return drawDiagrams(content, outputs).trim();
    });
    guides[name] = parts.join('\n\n');
  }
  for (const [name, text] of Object.entries(guides)) outputs.push({ path: join(PRIVATE_DIR, GUIDE_FILES[name]), content: text });
  outputs.push({ path: join(PRIVATE_DIR, 'openapi.json'), content: `${JSON.stringify(spec, null, 2)}\n` });
  return outputs;
}

/** Paths (relative to the repo) whose content differs from what docs:build would write. */
export function staleDocsFiles() {
  return buildDocsContent()
    .filter(({ path, content }) => {
      try {
        return readFileSync(path, 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(({ path }) => relative(root, path));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) {
    const stale = staleDocsFiles();
    if (stale.length) {
      console.error(`stale (run \`npm run docs:build\`): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log('docs content is up to date');
  } else {
    const outputs = buildDocsContent();
    for (const { path, content } of outputs) {
      mkdirSync(dirname(path), { recursive: true });
      if (readFileSync(path, { encoding: 'utf8', flag: 'a+' }) !== content) writeFileSync(path, content);
    }
    console.log(`docs:build wrote ${outputs.map(({ path }) => relative(root, path)).join(', ')}`);
  }
}
