// AimbrellaPay operator CLI: `npm run admin -- <resource> <verb> [args] [options]`.
// Talks to the admin API through the client generated from openapi.yaml.
import { parseArgs } from 'node:util';
import { CliError, connect, DEFAULT_BASE_URL } from './client';
import { memberCommands } from './commands/members';
import { paymentCommands } from './commands/payments';
import { shopCommands } from './commands/shops';
import { REVOCATION_DELAY_NOTE, tokenCommands } from './commands/tokens';
import type { Command } from './commands/types';

const commands: Command[] = [...shopCommands, ...tokenCommands, ...paymentCommands, ...memberCommands];

const globalOptions = {
  'base-url': { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = [
  'Options for every command:',
  `  --base-url <url>      Worker to talk to (env APAY_BASE_URL; default ${DEFAULT_BASE_URL})`,
  '  --admin-token <tok>   admin API token (env APAY_ADMIN_TOKEN; for localhost read from .dev.vars)',
  '  --json                print the API answer as JSON, for scripts (use `npm run --silent admin …`)',
  '  -h, --help            help for a command',
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: npm run admin -- <command> [args] [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...GLOBAL_HELP,
    '',
    'Onboarding a shop: shops create → tokens issue --mode test → the shop calls init-payment.',
    'Shop app access: members invite --shop <id> --email <address> → send the one-time link (72 h).',
    `Revocation: ${REVOCATION_DELAY_NOTE}`,
    'Exit codes: 0 ok, 1 the API refused or could not be reached, 2 wrong usage.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [`Usage: npm run admin -- ${c.name} ${c.usage}`, '', `${c.summary}.`, ...(c.notes ?? []), '', ...GLOBAL_HELP].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const command = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (!command) {
    const asked = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
    (asked ? console.log : console.error)(asked ? usage() : `Unknown command: ${argv.slice(0, 2).join(' ') || '(none)'}\n\n${usage()}`);
    return asked ? 0 : 2;
  }
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by parseArgs's overloads at the assignment below
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(2), options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${commandHelp(command)}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(commandHelp(command));
    return 0;
  }
  const wanted = command.positionals ?? [];
  if (positionals.length !== wanted.length) {
    throw new CliError(`${command.name} expects ${wanted.map((p) => `<${p}>`).join(' ') || 'no arguments'}\n\n${commandHelp(command)}`, 2);
  }
  const conn = connect({ baseUrl: values['base-url'] as string | undefined, adminToken: values['admin-token'] as string | undefined });
  await command.run({ conn, values, args: positionals, json: Boolean(values.json) });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof CliError) {
      console.error(err.message);
      if (process.argv.includes('--json') && err.problem) console.log(JSON.stringify(err.problem, null, 2));
      process.exit(err.exitCode);
    }
    console.error(`Unexpected error: ${(err as Error)?.stack ?? err}`);
    process.exit(1);
  },
);
