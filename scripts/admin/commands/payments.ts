import { adminGetPayment, adminListDeadLetters, adminRedeliverPostback } from '../../../generated/api/sdk.gen';
import { CliError, collectPages, unwrap } from '../client';
import { printJson, printRecord, printTable } from '../output';
import { type Command, limitOf, pageOptions } from './types';

export const paymentCommands: Command[] = [
  {
    name: 'payments show',
    summary: 'Show a payment with its transitions and postback attempts',
    usage: '<paymentId>',
    positionals: ['paymentId'],
    async run(ctx) {
      const view = await unwrap(ctx.conn, adminGetPayment({ client: ctx.conn.client, path: { paymentId: ctx.args[0]! } }));
      if (ctx.json) return printJson(view);
      const p = view.payment;
      printRecord({
        id: p.id,
        shopId: view.shopId,
        shopTransactionId: p.shopTransactionId,
        status: p.status,
        mode: p.mode,
        amount: `${p.amount} ${p.currency} (${p.type})`,
        email: p.email,
        createdAt: p.createdAt,
        expiresAt: p.expiresAt,
        postbackUrl: view.postbackUrl,
        webhookId: view.webhookId,
        postback: `${p.postback.status}, ${p.postback.attempts} attempt(s)`,
      });
      console.log('\nTransitions:');
      printTable(view.transitions, ['at', 'status', 'reason']);
      console.log('\nPostback attempts:');
      printTable(view.postbackAttempts, ['attempt', 'at', 'ok', 'httpStatus', 'latencyMs', 'error']);
    },
  },
  {
    name: 'postbacks redeliver',
    summary: "Queue the payment's postback again (e.g. after it was dead-lettered)",
    usage: '--payment <paymentId>',
    options: { payment: { type: 'string' } },
    async run(ctx) {
      const paymentId = ctx.values.payment as string | undefined;
      if (!paymentId) throw new CliError('postbacks redeliver needs --payment <paymentId>', 2);
      const queued = await unwrap(ctx.conn, adminRedeliverPostback({ client: ctx.conn.client, path: { paymentId } }));
      if (ctx.json) return printJson(queued);
      console.log(`Postback for ${queued.paymentId} queued again (webhook-id ${queued.webhookId}).`);
    },
  },
  {
    name: 'postbacks dead-letters',
    summary: 'List postbacks whose retries ran out',
    usage: '[--cursor <c>] [--limit <n>]',
    options: pageOptions,
    async run(ctx) {
      const { client } = ctx.conn;
      const limit = limitOf(ctx.values);
      const page = await collectPages(
        (cursor) => unwrap(ctx.conn, adminListDeadLetters({ client, query: { cursor, limit } })),
        ctx.values.cursor as string | undefined,
      );
      if (ctx.json) return printJson(page);
      printTable(page.items, ['paymentId', 'shopId', 'webhookId', 'deadLetteredAt', 'attempts', 'lastError']);
      if (page.nextCursor) console.log(`More: --cursor ${page.nextCursor}`);
    },
  },
];
