import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  authorizeEmbedRefresh,
  type EmbedScope,
  EmbedTokenRefused,
  refreshDashboardEmbedToken,
  signDashboardEmbedToken,
} from '../../src/insight/reporting/embed-token.ts';
import { type EmbeddableDashboard, MetabaseEmbedError, verifyMetabaseEmbedToken } from '../support/metabase-jwt-verifier.ts';

// Metabase's embedding-secret-key is 64 hex characters; it signs with the string's bytes.
const SECRET = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const DASHBOARD = 7;
const NOW = new Date('2026-05-01T12:00:00Z');
const config = { secret: SECRET, dashboardId: DASHBOARD };
const shopA: EmbedScope = { shopId: 'shop_A', mode: 'live' };
const dashboard: EmbeddableDashboard = {
  enable_embedding: true,
  embedding_params: { shop_id: 'locked', mode: 'locked', from: 'enabled', to: 'enabled', currency: 'enabled', status: 'enabled' },
};
const verify = (token: string, more: { now?: Date; urlParams?: Record<string, unknown>; secret?: string } = {}) =>
  verifyMetabaseEmbedToken(token, {
    secret: more.secret ?? SECRET,
    dashboards: { [DASHBOARD]: dashboard, 8: { ...dashboard, enable_embedding: false } },
    now: more.now ?? NOW,
    urlParams: more.urlParams,
  });

const hs = (payload: Record<string, unknown>, alg = 'HS256') =>
  new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(SECRET));
const valid = { resource: { dashboard: DASHBOARD }, params: { shop_id: ['shop_A'], mode: ['live'] } };

describe('our embed tokens pass Metabase’s checks', () => {
  it('carries the dashboard, the shop and the mode, and expires within 10 minutes', async () => {
    const token = await signDashboardEmbedToken(config, shopA, NOW);
    const { dashboardId, params } = await verify(token);
    expect(dashboardId).toBe(DASHBOARD);
    expect(params).toEqual({ shop_id: ['shop_A'], mode: ['live'] });
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!)));
    expect(claims.exp - Math.floor(NOW.getTime() / 1000)).toBeLessThanOrEqual(600);
  });

  it('lets the page set the enabled filters in the URL', async () => {
    const token = await signDashboardEmbedToken(config, shopA, NOW);
    await expect(verify(token, { urlParams: { currency: 'EUR', from: '2026-04-01' } })).resolves.toBeTruthy();
  });

  it('is still accepted 60 s after exp (Metabase’s leeway), not 61 s', async () => {
    const token = await signDashboardEmbedToken({ ...config, lifetimeSeconds: 300 }, shopA, NOW);
    await expect(verify(token, { now: new Date(NOW.getTime() + 359_000) })).resolves.toBeTruthy();
    await expect(verify(token, { now: new Date(NOW.getTime() + 362_000) })).rejects.toThrow(MetabaseEmbedError);
  });
});

describe('tokens Metabase (or our rule on top of it) refuses', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    [
      'tampered payload (shop B swapped in)',
      async () => {
        const [h, , s] = (await signDashboardEmbedToken(config, shopA, NOW)).split('.');
        const forged = base64url.encode(JSON.stringify({ ...valid, params: { shop_id: ['shop_B'], mode: ['live'] }, exp: 9e9 }));
        return `${h}.${forged}.${s}`;
      },
    ],
    ['expired', () => signDashboardEmbedToken(config, shopA, new Date(NOW.getTime() - 3_600_000))],
    ['alg none', async () => `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify(valid))}.`],
    ['no alg', async () => `${base64url.encode('{"typ":"JWT"}')}.${base64url.encode(JSON.stringify(valid))}.x`],
    ['HS512', () => hs(valid, 'HS512')],
    ['another secret', () => signDashboardEmbedToken({ ...config, secret: 'b'.repeat(64) }, shopA, NOW)],
    ['empty shop list (turns the filter off)', () => hs({ ...valid, params: { shop_id: [], mode: ['live'] } })],
    ['blank shop id', () => hs({ ...valid, params: { shop_id: '  ', mode: ['live'] } })],
    ['no shop at all', () => hs({ ...valid, params: { mode: ['live'] } })],
    ['no params claim', () => hs({ resource: { dashboard: DASHBOARD } })],
    ['wrong dashboard (not embeddable)', () => hs({ ...valid, resource: { dashboard: 8 } })],
    ['unknown dashboard', () => hs({ ...valid, resource: { dashboard: 99 } })],
    ['unknown parameter', () => hs({ ...valid, params: { ...valid.params, shop_name: ['x'] } })],
  ];
  it.each(cases)('%s', async (_name, make) => {
    await expect(verify(await make())).rejects.toThrow(MetabaseEmbedError);
  });

  it('a token without exp never expires in Metabase — ours always carry one', async () => {
    const noExp = await hs(valid);
    await expect(verify(noExp, { now: new Date('2036-01-01T00:00:00Z') })).resolves.toBeTruthy();
  });

  it('the URL cannot override a locked parameter', async () => {
    const token = await signDashboardEmbedToken(config, shopA, NOW);
    await expect(verify(token, { urlParams: { shop_id: 'shop_B' } })).rejects.toThrow(/only specify a value for shop_id in the JWT/);
    await expect(verify(token, { urlParams: { mode: 'test' } })).rejects.toThrow(MetabaseEmbedError);
  });
});

describe('the signer refuses what would widen the view', () => {
  it.each([
    ['empty shop', { shopId: '', mode: 'live' }],
    ['blank shop', { shopId: '   ', mode: 'live' }],
    ['missing shop', { mode: 'live' }],
    ['missing mode', { shopId: 'shop_A' }],
    ['unknown mode', { shopId: 'shop_A', mode: 'both' }],
  ])('%s', async (_name, scope) => {
    await expect(signDashboardEmbedToken(config, scope as EmbedScope, NOW)).rejects.toThrow(EmbedTokenRefused);
  });

  it('refuses a missing secret, a bad dashboard id and a lifetime over 10 minutes', async () => {
    await expect(signDashboardEmbedToken({ ...config, secret: '' }, shopA)).rejects.toThrow(EmbedTokenRefused);
    await expect(signDashboardEmbedToken({ ...config, dashboardId: 0 }, shopA)).rejects.toThrow(EmbedTokenRefused);
    await expect(signDashboardEmbedToken({ ...config, lifetimeSeconds: 601 }, shopA)).rejects.toThrow(EmbedTokenRefused);
  });
});

describe('refresh requests from embed.js', () => {
  it('signs for the session’s shop only, whatever the body says', async () => {
    const answer = await refreshDashboardEmbedToken(
      config,
      shopA,
      { entityType: 'dashboard', entityId: DASHBOARD, customContext: { shop_id: 'shop_B' } },
      NOW,
    );
    expect('jwt' in answer).toBe(true);
    const { params } = await verify((answer as { jwt: string }).jwt);
    expect(params.shop_id).toEqual(['shop_A']);
  });

  it('accepts the id as a string, refuses other dashboards and other entity types', () => {
    expect(authorizeEmbedRefresh({ entityType: 'dashboard', entityId: String(DASHBOARD) }, DASHBOARD).ok).toBe(true);
    expect(authorizeEmbedRefresh({ entityType: 'dashboard', entityId: 8 }, DASHBOARD).ok).toBe(false);
    expect(authorizeEmbedRefresh({ entityType: 'question', entityId: DASHBOARD }, DASHBOARD).ok).toBe(false);
    expect(authorizeEmbedRefresh(null, DASHBOARD).ok).toBe(false);
  });

  it('answers an error, not a token, for an unauthorised entity', async () => {
    expect(await refreshDashboardEmbedToken(config, shopA, { entityType: 'dashboard', entityId: 8 }, NOW)).toEqual({
      error: 'not the configured dashboard',
    });
  });
});
