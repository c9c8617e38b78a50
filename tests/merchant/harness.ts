/**
 * A running app on a fresh database, with two merchants, a shopper and a webhook receiver —
 * the fixture of the merchant API tests. The wall clock under the service clock is mutable
 * (`advance`) so expiry can be tested without waiting.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTestDatabase,
  createUserWithLine,
  schema,
  type TestDatabase,
  withTransaction,
} from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { createApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';
import { newSessionId, signSession } from '../../functions/src/http/auth';
import { createMerchant } from '../../functions/src/merchant/merchants';
import { settleTriggers } from '../../functions/src/webhooks/trigger';
import { FenqiClient } from '../../merchant-kit/src/index';
import { type Receiver, startReceiver } from './receiver';

export interface Shopper {
  userId: string;
  creditLineId: string;
  token: string;
}

export interface Harness {
  database: TestDatabase;
  config: ReturnType<typeof loadConfig>;
  baseUrl: string;
  receiver: Receiver;
  merchantA: { id: string; key: string; secret: string; client: FenqiClient };
  merchantB: { id: string; key: string; secret: string; client: FenqiClient };
  advance(ms: number): void;
  nowMs(): number;
  newShopper(baseLimitFen?: bigint): Promise<Shopper>;
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string; idempotencyKey?: string },
    // biome-ignore lint/suspicious/noExplicitAny: JSON response bodies, read field by field in assertions
  ): Promise<{ status: number; body: any; headers: Headers }>;
  // biome-ignore lint/suspicious/noExplicitAny: the created checkout's JSON
  createCheckout(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness(kind: 'pglite' | 'server'): Promise<Harness> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);
  let offsetMs = 0;
  const wall = () => Date.now() + offsetMs;
  const app = createApp({ database, config, wallClock: wall });
  const server: Server = createServer((req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let secretA = '';
  const receiver = await startReceiver(() => secretA);
  const now = new Date(wall());
  const [a, b] = await withTransaction(database, async (tx) => [
    await createMerchant(tx, {
      name: 'Noodle Bar',
      scene: 'dining',
      modes: ['test', 'live'],
      webhookUrl: receiver.url,
      now,
      keys: config,
    }),
    await createMerchant(tx, {
      name: 'Sky Travel',
      scene: 'travel',
      modes: ['test'],
      webhookUrl: receiver.url,
      now,
      keys: config,
    }),
  ]);
  secretA = a.webhookSecrets.test!;
  const client = (key: string) => new FenqiClient({ apiKey: key, baseUrl });

  const h: Harness = {
    database,
    config,
    baseUrl,
    receiver,
    merchantA: {
      id: a.merchantId,
      key: a.apiKeys.test!,
      secret: a.webhookSecrets.test!,
      client: client(a.apiKeys.test!),
    },
    merchantB: {
      id: b.merchantId,
      key: b.apiKeys.test!,
      secret: b.webhookSecrets.test!,
      client: client(b.apiKeys.test!),
    },
    advance(ms) {
      offsetMs += ms;
    },
    nowMs: wall,
    async newShopper(baseLimitFen = 5_000_000n) {
      const created = await createUserWithLine(database.db, {
        baseLimitFen,
        now: new Date(wall()),
        name: `shopper${++counter}`,
      });
      await database.db
        .update(schema.users)
        .set({ healthScore: 85, creditScore: 700 })
        .where(eq(schema.users.id, created.userId));
      const iat = Math.floor(wall() / 1000);
      const token = signSession(
        { sub: created.userId, sid: newSessionId(), iat, exp: iat + 30 * 24 * 3600 },
        config.sessionSecret,
      );
      return { ...created, token };
    },
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async createCheckout(overrides = {}) {
      const res = await h.request('POST', '/v1/merchant/checkouts', {
        token: h.merchantA.key,
        body: {
          out_trade_no: `T${Date.now()}${++counter}`,
          amount: 300_000,
          currency: 'CNY',
          scene: 'dining',
          description: 'Banquet for 10',
          notify_url: receiver.url,
          ...overrides,
        },
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async close() {
      await settleTriggers();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await receiver.close();
      await database.drop();
    },
  };
  return h;
}

/** Outstanding principal of a loan: scheduled minus paid, over its installments. */
export async function outstandingPrincipalFen(database: TestDatabase, loanId: string): Promise<bigint> {
  const rows = await database.db
    .select()
    .from(schema.installments)
    .where(eq(schema.installments.loanId, loanId));
  return rows.reduce((s, r) => s + r.principalFen - r.paidPrincipalFen, 0n);
}

export async function lineOf(database: TestDatabase, userId: string) {
  const [line] = await database.db
    .select()
    .from(schema.creditLines)
    .where(eq(schema.creditLines.userId, userId));
  if (!line) throw new Error('no line');
  return line;
}
