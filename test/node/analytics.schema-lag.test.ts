import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchema } from '../../scripts/bq/schema.mjs';
import { createBigQueryClient } from '../../scripts/bq/target.mjs';
import { type Pipeline, startPipeline } from './analytics.pipeline.support.ts';
import { type Emulator, query, startEmulator } from './analytics.support.ts';
import { eventually } from './e2e.support.ts';

// A Worker deployed before `npm run bq -- setup` sends a column the table does not have yet.
// BigQuery (here the emulator, which answers exactly like it: insertErrors "no such field")
// refuses those rows; they must wait on the queue, not be dead-lettered, and land after setup.
describe('the events table is behind the Worker', () => {
  let emu: Emulator;
  let pipeline: Pipeline;
  const target = () => ({ project: emu.project, dataset: emu.dataset, baseUrl: emu.url, location: 'US' });

  beforeAll(async () => {
    emu = await startEmulator();
    const dataset = createBigQueryClient(target()).dataset(emu.dataset);
    const [meta] = await dataset.table('payment_events').getMetadata();
    await dataset.table('payment_events').delete();
    await dataset.createTable('payment_events', {
      schema: { fields: meta.schema.fields.filter((f: { name: string }) => f.name !== 'attributes') },
    });
    pipeline = await startPipeline(emu);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await emu?.stop();
  });

  it('keeps the rows on the queue with a hint, and streams them once setup brings the table up to date', { timeout: 180_000 }, async () => {
    const id = await pipeline.pay({ order: 'order-lag-1', amount: '4.20', currency: 'EUR', button: 'Pay' });
    await eventually(
      async () => pipeline.logs().includes('payment_events lacks a column'),
      'the consumer to name the missing column',
      60_000,
    );
    expect(pipeline.logs()).not.toContain('analytics event dead-lettered');
    expect(await query(emu, `SELECT event_id FROM \`{{dataset}}.payment_events\` WHERE payment_id = '${id}'`)).toEqual([]);

    // Real BigQuery adds the column in place (setup patches the schema); the emulator's
    // tables.patch changes metadata only, so here the table is dropped and setup creates it whole.
    await createBigQueryClient(target()).dataset(emu.dataset).table('payment_events').delete();
    expect((await applySchema(createBigQueryClient(target()), target())).payment_events).toBe('created');
    const rows = await eventually(
      async () => {
        const found = await query(emu, `SELECT event_type, attributes FROM \`{{dataset}}.events_clean\` WHERE payment_id = '${id}'`);
        return found.some((r) => r.event_type === 'shop_postback_attempt') &&
          found.filter((r) => r.event_type === 'status_changed').length === 2
          ? found
          : undefined;
      },
      'the rows after setup',
      120_000,
    );
    expect(rows.find((r) => r.event_type === 'bansky_postback_received')!.attributes).toContain('"applied":true');
    expect(pipeline.logs()).not.toContain('analytics event dead-lettered');
  });
});
