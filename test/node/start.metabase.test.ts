import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJavaVersion, startLocalMetabase } from '../../scripts/local/metabase.ts';
import { type MetabaseStandin, startMetabaseStandin } from '../support/node/metabase-standin.ts';

// What `npm start` does about Metabase and the emulator build, without starting the whole stack.
let mb: MetabaseStandin | undefined;
const state = mkdtempSync(join(tmpdir(), 'apay-mb-'));
afterEach(async () => {
  await mb?.close();
  mb = undefined;
});
const logs: string[] = [];
const log = (l: string) => logs.push(l);
const sa = () =>
  JSON.stringify({
    client_email: 'm@p.iam.gserviceaccount.com',
    private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  });

describe('Metabase in npm start', () => {
  it('is left alone when neither METABASE_URL nor METABASE_JAR is set', async () => {
    const m = await startLocalMetabase({ env: {}, stateDir: state, log });
    expect(m).toMatchObject({ url: null, note: 'not configured (set METABASE_URL, or METABASE_JAR with Java 21+)' });
  });

  it('a fresh instance at METABASE_URL is set up with a generated admin and secret, kept for the next start', async () => {
    mb = await startMetabaseStandin();
    const env = { METABASE_URL: mb.url, BIGQUERY_PROJECT: 'apay-prod', BIGQUERY_SERVICE_ACCOUNT_JSON: sa() };
    const first = await startLocalMetabase({ env, stateDir: state, log });
    expect(first.url).toBe(mb.url);
    expect(first.dashboardId).toBe(mb.state.dashboards[0]!.id);
    const saved = JSON.parse(readFileSync(join(state, 'metabase.json'), 'utf8'));
    expect(first.embedSecret).toBe(saved.embedSecret);
    expect(mb.state.settings.get('embedding-secret-key')).toBe(saved.embedSecret);
    const writes = mb.writes().length;
    const second = await startLocalMetabase({ env, stateDir: state, log });
    expect(second.note).toMatch(/^provisioned, dashboard #/);
    expect(mb.writes().length).toBe(writes);
  });

  it('without BigQuery credentials says the cards were not created, and why', async () => {
    mb = await startMetabaseStandin();
    const m = await startLocalMetabase({ env: { METABASE_URL: mb.url }, stateDir: mkdtempSync(join(tmpdir(), 'apay-mb-')), log });
    expect(m.note).toMatch(/provisioned without cards: .*service account/);
    expect(m.dashboardId).toBeNull();
  });

  it("METABASE_JAR needs Java 21+ (Metabase's requirement) and a jar that starts", async () => {
    const m = await startLocalMetabase({
      env: { METABASE_JAR: join(state, 'missing.jar'), APAY_METABASE_PORT: '1' },
      stateDir: state,
      log,
    });
    expect(m.url).toBeNull();
    expect(m.note).toMatch(/Java 21\+ is needed|exited while starting/);
  });

  it('reads Java versions old and new', () => {
    expect(parseJavaVersion('openjdk version "21.0.2" 2024-01-16')).toBe(21);
    expect(parseJavaVersion('java version "1.8.0_381"')).toBe(8);
    expect(parseJavaVersion('openjdk version "17" 2021-09-14')).toBe(17);
    expect(parseJavaVersion('nothing')).toBeNull();
  });
});

process.on('exit', () => rmSync(state, { recursive: true, force: true }));
