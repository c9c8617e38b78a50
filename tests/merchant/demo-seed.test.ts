import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, schema, type TestDatabase } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';
import { DEMO_MERCHANT_ID } from '../../functions/src/merchant/demo';
import { seedDemo } from '../../functions/src/seed';
import { settleTriggers } from '../../functions/src/webhooks/trigger';
import { FenqiClient } from '../../merchant-kit/src/index';

describe('seedDemo and the demo partner endpoints (pglite)', () => {
  let database: TestDatabase;
  let server: Server;
  let baseUrl: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fenqi-seed-'));
  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const app = createApp({ database, config });
    server = createServer((req, res) => void app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await settleTriggers();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is idempotent, prints the same working credentials every start, and rotates them if the file is lost', async () => {
    const first = await seedDemo({ database, config, dataDir });
    const second = await seedDemo({ database, config, dataDir });
    expect(first.merchant?.apiKey).toMatch(/^sk_test_/);
    expect(first.merchant?.webhookSecret).toMatch(/^whsec_/);
    expect(second).toEqual(first);
    expect(
      await database.db.select().from(schema.merchants).where(eq(schema.merchants.id, DEMO_MERCHANT_ID)),
    ).toHaveLength(1);
    const keys = await database.db
      .select()
      .from(schema.apiKeys)
      .where(eq(schema.apiKeys.merchantId, DEMO_MERCHANT_ID));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyHash).not.toContain(first.merchant!.apiKey.slice(8)); // stored hashed
    const [endpoint] = await database.db
      .select()
      .from(schema.webhookEndpoints)
      .where(eq(schema.webhookEndpoints.merchantId, DEMO_MERCHANT_ID));
    expect(endpoint!.secret).toMatch(/^enc1:/); // encrypted at rest with the vault keys
    expect(endpoint!.secret).not.toContain(first.merchant!.webhookSecret.slice(6));
    const file = JSON.parse(readFileSync(first.credentialsPath!, 'utf8'));
    expect(file.api_key).toBe(first.merchant!.apiKey);

    rmSync(first.credentialsPath!);
    const third = await seedDemo({ database, config, dataDir });
    expect(third.merchant!.apiKey).not.toBe(first.merchant!.apiKey);
    expect(existsSync(third.credentialsPath!)).toBe(true);
    const client = new FenqiClient({ apiKey: third.merchant!.apiKey, baseUrl });
    expect((await client.listEvents()).data).toEqual([]);
    const revoked = new FenqiClient({ apiKey: first.merchant!.apiKey, baseUrl });
    await expect(revoked.listEvents()).rejects.toMatchObject({ status: 401 });
  });

  it('rotates the demo credentials when the vault keys changed and the stored secret no longer opens', async () => {
    const before = await seedDemo({ database, config, dataDir });
    const otherKeys = { ...config, vaultKeys: [{ id: 'other', key: Buffer.alloc(32, 7) }] };
    const after = await seedDemo({ database, config: otherKeys, dataDir });
    expect(after.merchant!.webhookSecret).not.toBe(before.merchant!.webhookSecret);
    expect(await seedDemo({ database, config: otherKeys, dataDir })).toEqual(after);
  });

  it('production configuration seeds nothing', async () => {
    const prod = { ...config, mode: 'production' as const };
    expect(await seedDemo({ database, config: prod, dataDir })).toEqual({
      merchant: null,
      credentialsPath: null,
    });
  });

  it('the demo partner creates a checkout for the demo merchant and reads its status', async () => {
    const res = await fetch(`${baseUrl}/v1/demo/partner-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'demo-1' },
      body: JSON.stringify({
        amount: 26_800,
        description: '美味外卖 · 小龙虾套餐',
        items: [{ name: '小龙虾', quantity: 1, amount: 26_800 }],
      }),
    });
    expect(res.status).toBe(201);
    const order = (await res.json()) as { token: string; checkout_id: string };
    expect(order.token).toMatch(/^ct_/);
    const status = await fetch(`${baseUrl}/v1/demo/partner-orders/${order.checkout_id}`);
    expect(await status.json()).toMatchObject({
      checkout_id: order.checkout_id,
      status: 'open',
      amount: 26_800,
    });
    const missing = await fetch(`${baseUrl}/v1/demo/partner-orders/chk_doesnotexist`);
    expect(missing.status).toBe(404);
  });

  it('the OpenAPI document includes the merchant and checkout operations', async () => {
    const doc = (await (await fetch(`${baseUrl}/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/v1/merchant/checkouts',
      '/v1/merchant/checkouts/{id}/refunds',
      '/v1/merchant/events',
      '/v1/checkouts/{token}/confirm',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});

describe('demo endpoints in production configuration', () => {
  it('answer 404', async () => {
    const database = await createTestDatabase('pglite');
    try {
      const prodConfig = {
        ...loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv),
        mode: 'production' as const,
      };
      const app = createApp({ database, config: prodConfig });
      const server = createServer((req, res) => void app(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/demo/partner-orders`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(404);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await database.drop();
    }
  });
});
