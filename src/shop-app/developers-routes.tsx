/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { zIssueTokenRequest } from '../../generated/api/zod.gen';
import { DevelopersPage, type DevNotice } from './pages/developers';
import { actor, allowed, type C, form, frame, signedIn } from './route-kit';
import type { AppPageEnv } from './security';
import { sendTestPostback } from './test-postback';

/**
 * /app/developers: the shop's API tokens of the session's mode (issue, revoke), the webhook secret
 * (rotate, the previous one signing on for a day) and a test postback to a URL. Each change is
 * checked against the role here (allowed(…)) and recorded in the audit list.
 */
export const developersRouter = new Hono<AppPageEnv>();

const WEBHOOK_OVERLAP_SECONDS = 86_400;

async function developers(c: C, notice?: DevNotice, status: 200 | 400 | 403 | 404 | 502 = 200, testUrl?: string) {
  const { services, session } = c.var;
  const shop = (await services.shops.getShop(session.shopId)) ?? c.var.appShop;
  const page = await services.shops.listTokens(session.shopId, undefined, 100);
  const tokens = page.items.filter((t) => t.mode === session.mode).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  return c.html(
    <DevelopersPage
      frame={frame(c, '/app/developers')}
      tokens={tokens}
      liveEnabled={shop.liveEnabled === true}
      secrets={shop.webhookSecrets}
      notice={notice}
      testUrl={testUrl}
      now={c.var.services.clock.now()}
    />,
    status,
  );
}

developersRouter.get('/app/developers', ...signedIn, (c) => developers(c));

developersRouter.post('/app/developers/tokens', ...signedIn, allowed('tokens'), async (c) => {
  const { services, session, appShop } = c.var;
  const f = await form(c);
  if (session.mode === 'live' && appShop.liveEnabled !== true) {
    return developers(c, { kind: 'message', tone: 'bad', text: 'Live mode is not enabled for this shop yet.' }, 403);
  }
  const parsed = zIssueTokenRequest.safeParse({ mode: session.mode, ...(f.label?.trim() ? { label: f.label.trim() } : {}) });
  if (!parsed.success) return developers(c, { kind: 'message', tone: 'bad', text: 'Use a label of at most 100 characters.' }, 400);
  const { token, record } = await services.shops.issueToken(session.shopId, session.mode, parsed.data.label);
  services.log.info('token issued in the shop app', {
    shopId: session.shopId,
    tokenId: record.id,
    mode: session.mode,
    memberId: session.memberId,
  });
  await services.members.record(
    session.shopId,
    actor(c),
    'token.issued',
    `${record.id} ${record.prefix}…${record.last4}${record.label ? ` “${record.label}”` : ''} (${session.mode})`,
  );
  return developers(c, { kind: 'token', token, label: record.label ?? null });
});

developersRouter.post('/app/developers/tokens/:tokenId/revoke', ...signedIn, allowed('tokens'), async (c) => {
  const { services, session } = c.var;
  const tokenId = c.req.param('tokenId');
  const revoked = /^tok_[A-Za-z0-9]{12,40}$/.test(tokenId) ? await services.shops.revokeToken(session.shopId, tokenId) : null;
  if (!revoked) return developers(c, { kind: 'message', tone: 'bad', text: 'No such token for this shop.' }, 404);
  await services.listen.revoked(session.shopId, tokenId); // its `aimbrellapay listen` sessions end now
  services.log.info('token revoked in the shop app', { shopId: session.shopId, tokenId, memberId: session.memberId });
  await services.members.record(session.shopId, actor(c), 'token.revoked', `${tokenId} ${revoked.prefix}…${revoked.last4}`);
  return developers(c, {
    kind: 'message',
    tone: 'ok',
    text: `Token ${revoked.prefix}…${revoked.last4} revoked. It stops working everywhere within about two minutes.`,
  });
});

developersRouter.post('/app/developers/webhook-secret', ...signedIn, allowed('webhook-secret'), async (c) => {
  const { services, session } = c.var;
  const rotated = await services.shops.rotateWebhookSecret(session.shopId, WEBHOOK_OVERLAP_SECONDS);
  if (!rotated) return developers(c, { kind: 'message', tone: 'bad', text: 'The shop no longer exists.' }, 404);
  services.log.info('webhook secret rotated in the shop app', { shopId: session.shopId, memberId: session.memberId });
  await services.members.record(
    session.shopId,
    actor(c),
    'webhook-secret.rotated',
    `previous secret signs until ${rotated.previousSecretExpiresAt ?? 'now'}`,
  );
  return developers(c, { kind: 'secret', secret: rotated.webhookSecret, previousUntil: rotated.previousSecretExpiresAt });
});

developersRouter.post('/app/developers/test-postback', ...signedIn, allowed('test-postback'), async (c) => {
  const { services, session } = c.var;
  const url = ((await form(c)).url ?? '').trim().slice(0, 2048);
  const shop = (await services.shops.getShop(session.shopId)) ?? c.var.appShop;
  const result = await sendTestPostback(shop, session.mode, url, {
    clock: services.clock,
    timeoutMs: services.config.postbacks.timeoutMs,
    reach: services.config,
  });
  if ('refused' in result) return developers(c, { kind: 'message', tone: 'bad', text: `Not sent: ${result.refused}` }, 400, url);
  await services.members.record(
    session.shopId,
    actor(c),
    'postback.test-sent',
    `${new URL(url).origin} → ${result.ok ? `HTTP ${result.httpStatus}` : 'failed'} (${session.mode})`,
  );
  return developers(c, { kind: 'test-postback', url, ...result }, 200, url);
});
