// `npm run metabase -- provision [--dry-run]`: makes a Metabase instance ready for the shop app's
// embedded dashboard (see docs/internal/metabase.md). Settings come from the environment.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MetabaseApiError } from './client';
import type { Credentials } from './connect';
import { type ProvisionConfig, provision } from './provision';

const USAGE = `Usage: npm run metabase -- provision [--dry-run] [--json]

Environment:
  METABASE_URL                       the Metabase instance (e.g. http://localhost:3000)
  METABASE_API_KEY                   an admin API key, or:
  METABASE_ADMIN_EMAIL / _PASSWORD   an admin login (on a fresh instance: the first admin, created)
  METABASE_EMBED_SECRET              the embedding secret (64 hex), the same as the Worker's secret
  BIGQUERY_PROJECT / BIGQUERY_DATASET                    what the cards read (dataset default aimbrellapay)
  BIGQUERY_SERVICE_ACCOUNT_JSON or GOOGLE_APPLICATION_CREDENTIALS   credentials Metabase connects with
Exit codes: 0 ready (or nothing to do), 1 Metabase refused, is unreachable or answered unexpectedly, 2 wrong usage or settings, 3 partly done (see the "skip" line).`;

export function configFromEnv(env: NodeJS.ProcessEnv): ProvisionConfig {
  const need = (name: string) => env[name] || fail(`${name} is not set`);
  const credentials: Credentials = env.METABASE_API_KEY
    ? { apiKey: env.METABASE_API_KEY }
    : { email: need('METABASE_ADMIN_EMAIL'), password: need('METABASE_ADMIN_PASSWORD') };
  const saFile = env.GOOGLE_APPLICATION_CREDENTIALS;
  let saFromFile: string | null = null;
  if (!env.BIGQUERY_SERVICE_ACCOUNT_JSON && saFile) {
    try {
      saFromFile = readFileSync(saFile, 'utf8');
    } catch (err) {
      fail(`GOOGLE_APPLICATION_CREDENTIALS: cannot read ${saFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return {
    url: need('METABASE_URL'),
    credentials,
    embedSecret: need('METABASE_EMBED_SECRET'),
    bigQuery: {
      project: need('BIGQUERY_PROJECT'),
      dataset: env.BIGQUERY_DATASET || 'aimbrellapay',
      serviceAccountJson: env.BIGQUERY_SERVICE_ACCOUNT_JSON || saFromFile,
    },
  };
}

class UsageError extends Error {}
function fail(message: string): never {
  throw new UsageError(message);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, out = console.log): Promise<number> {
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by parseArgs's overloads at the assignment below
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    out(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help || args.positionals[0] !== 'provision') {
    out(USAGE);
    return args.values.help ? 0 : 2;
  }
  try {
    const dryRun = args.values['dry-run'] ?? false;
    const json = args.values.json ?? false;
    const config = configFromEnv(env);
    if (!json) out(dryRun ? 'Dry run: nothing will be changed. Plan:' : 'Provisioning Metabase:');
    const result = await provision(config, { dryRun, log: json ? undefined : (line) => out(`  ${line}`) });
    if (json) out(JSON.stringify(result, null, 2));
    else {
      out(result.changes ? `${dryRun ? 'Would make' : 'Made'} ${result.changes} change(s).` : 'Nothing to change.');
      if (result.dashboardId && result.dashboardId > 0) out(`The Worker's METABASE_DASHBOARD_ID is ${result.dashboardId}.`);
    }
    return result.blocked ? 3 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      out(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof MetabaseApiError) {
      out(`Metabase: ${err.message}`);
      return 1;
    }
    if (err instanceof Error && /embedding secret/.test(err.message)) {
      out(err.message);
      return 2;
    }
    // Anything else (a Metabase answer of an unexpected shape, a bug): one line, never a stack trace.
    out(`Unexpected error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err) => {
      console.log(`Unexpected error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      process.exit(1);
    },
  );
}
