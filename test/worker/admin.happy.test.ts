import { describe, expect, it } from 'vitest';
import { adminCall } from './helpers';

interface Shop {
  id: string;
  name: string;
  allowedRedirectHosts: string[];
  disabled: boolean;
}

describe('operators manage shops through the admin API', () => {
  it('creates a shop with normalised hosts and a whsec_ secret, then reads it back', async () => {
    const res = await adminCall('POST', '/admin/v1/shops', {
      name: 'Kiosk',
      allowedRedirectHosts: ['kiosk.example', 'kiosk.example', '*.kiosk.example'],
    });
    expect(res.status).toBe(201);
    const { shop, webhookSecret } = (await res.json()) as { shop: Shop; webhookSecret: string };
    expect(shop.id).toMatch(/^shop_[A-Za-z0-9]{12,40}$/);
    expect(shop.allowedRedirectHosts).toEqual(['kiosk.example', '*.kiosk.example']);
    expect(shop.disabled).toBe(false);
    expect(webhookSecret).toMatch(/^whsec_/);
    const read = await adminCall('GET', `/admin/v1/shops/${shop.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: shop.id, name: 'Kiosk', allowedRedirectHosts: shop.allowedRedirectHosts });
  });

  it('updates name and hosts without touching the rest', async () => {
    const { shop } = (await (
      await adminCall('POST', '/admin/v1/shops', { name: 'Old', allowedRedirectHosts: ['old.example'] })
    ).json()) as { shop: Shop };
    const renamed = (await (await adminCall('PATCH', `/admin/v1/shops/${shop.id}`, { name: 'New' })).json()) as Shop;
    expect(renamed).toMatchObject({ name: 'New', allowedRedirectHosts: ['old.example'], disabled: false });
    const rehosted = (await (
      await adminCall('PATCH', `/admin/v1/shops/${shop.id}`, { allowedRedirectHosts: ['new.example'] })
    ).json()) as Shop;
    expect(rehosted).toMatchObject({ name: 'New', allowedRedirectHosts: ['new.example'] });
  });

  it('pages through shops with nextCursor, each shop exactly once', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await adminCall('POST', '/admin/v1/shops', { name: `Paged ${i}`, allowedRedirectHosts: ['p.example'] });
      created.push(((await res.json()) as { shop: Shop }).shop.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await adminCall('GET', `/admin/v1/shops?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Shop[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (const id of created) expect(seen.filter((s) => s === id)).toHaveLength(1);
  });

  it('lists a shop’s tokens with mode, label and revocation', async () => {
    const { shop } = (await (
      await adminCall('POST', '/admin/v1/shops', { name: 'Tokens', allowedRedirectHosts: ['t.example'] })
    ).json()) as { shop: Shop };
    const issued = (await (await adminCall('POST', `/admin/v1/shops/${shop.id}/tokens`, { mode: 'live', label: 'checkout' })).json()) as {
      id: string;
    };
    await adminCall('DELETE', `/admin/v1/shops/${shop.id}/tokens/${issued.id}`);
    const list = (await (await adminCall('GET', `/admin/v1/shops/${shop.id}/tokens`)).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: issued.id, shopId: shop.id, mode: 'live', label: 'checkout', prefix: 'apay_live_' });
    expect(list.items[0]!.revokedAt).toBeTruthy();
  });
});
