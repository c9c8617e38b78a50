/**
 * Merchant benchmark on the real PostgreSQL server (production driver through the local
 * WebSocket proxy), the app served in-process over HTTP:
 *   1. POST /v1/merchant/checkouts at 8 clients — requests/s, p50 / p99;
 *   2. POST /v1/checkouts/{token}/confirm at 8 clients (automatic capture: hold + loan +
 *      installments + ledger + payable + 2 outbox events + idempotency) — requests/s, p50 / p99;
 *   3. webhook deliveries per second from the outbox to a local receiver (signed, recorded).
 * Target: confirm p99 < 25 ms. Bounded to well under 60 s.
 *
 *   npx tsx scripts/bench-merchant.ts   (server: FENQI_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 */

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, newId, schema, type TestDatabase, withTransaction } from '@fenqi/db';
import { createApp } from '../functions/src/app';
import { loadConfig } from '../functions/src/config';
import { newSessionId, signSession } from '../functions/src/http/auth';
import { newEventId } from '../functions/src/merchant/events';
import { createMerchant } from '../functions/src/merchant/merchants';
import { settleTriggers } from '../functions/src/webhooks/trigger';
import { deliverDueEvents } from '../functions/src/webhooks/worker';

const CLIENTS = Number(process.env.BENCH_MERCHANT_CLIENTS ?? 8);
const PHASE_SECONDS = Number(process.env.BENCH_MERCHANT_SECONDS ?? 5);
const WEBHOOK_EVENTS = Number(process.env.BENCH_MERCHANT_EVENTS ?? 2_000);
const DEADLINE_MS = 55_000;

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function report(name: string, latencies: number[], seconds: number, errors: number): { p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(
    `${name.padEnd(34)} ${String(latencies.length).padStart(6)} ok  ${(latencies.length / seconds).toFixed(0).padStart(6)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms${errors ? `  (${errors} errors)` : ''}`,
  );
  return { p99 };
}

async function main(): Promise<void> {
  const started = Date.now();
  let database: TestDatabase;
  try {
    database = await createTestDatabase('server', { poolMax: CLIENTS * 2 + 4 });
  } catch (error) {
    console.log(
      `bench merchant: skipped — no PostgreSQL server (${error instanceof Error ? error.message : String(error)})`,
    );
    return;
  }
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);
  const app = createApp({ database, config });
  const server = createServer((req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    const now = new Date();
    const merchant = await withTransaction(database, (tx) =>
      createMerchant(tx, {
        name: 'Bench Bistro',
        scene: 'dining',
        modes: ['test'],
        webhookUrl: notifyUrl,
        now,
        keys: config,
      }),
    );
    const apiKey = merchant.apiKeys.test!;
    // The risk gate allows a few confirms per shopper per minute, as it should: every confirm
    // of the bench comes from its own shopper (bulk-inserted, like the db fixture's users).
    const SHOPPERS = Number(process.env.BENCH_MERCHANT_SHOPPERS ?? 1_600);
    const shopperIds = Array.from({ length: SHOPPERS }, () => newId('usr'));
    for (let i = 0; i < SHOPPERS; i += 400) {
      const ids = shopperIds.slice(i, i + 400);
      await database.db.insert(schema.users).values(
        ids.map((id) => ({
          id,
          openidHash: createHash('sha256').update(`bench:${id}`).digest('hex'),
          tier: 'regular' as const,
          creditScore: 720,
          healthScore: 90,
          declaredMonthlyIncomeFen: 2_000_000n,
          educationPassedAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      );
      await database.db.insert(schema.creditLines).values(
        ids.map((userId) => ({
          id: newId('cl'),
          userId,
          baseLimitFen: 5_000_000n,
          createdAt: now,
          updatedAt: now,
        })),
      );
    }
    const shopperTokens = shopperIds.map((sub) => {
      const iat = Math.floor(Date.now() / 1000);
      return signSession({ sub, sid: newSessionId(), iat, exp: iat + 3600 }, config.sessionSecret);
    });
    let nextShopper = 0;

    const post = async (path: string, token: string, body: unknown, key?: string) => {
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      return { ms: performance.now() - t0, status: res.status, json };
    };

    // 1. create
    const tokens: string[][] = Array.from({ length: CLIENTS }, () => []);
    const createLat: number[] = [];
    let createErrors = 0;
    let seq = 0;
    const createUntil = performance.now() + PHASE_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        while (performance.now() < createUntil) {
          const r = await post('/v1/merchant/checkouts', apiKey, {
            out_trade_no: `B${c}-${++seq}`,
            amount: 10_000 + (seq % 50) * 1_000,
            currency: 'CNY',
            scene: 'dining',
            description: 'bench order',
            notify_url: notifyUrl,
          });
          if (r.status === 201) {
            createLat.push(r.ms);
            tokens[c]!.push(r.json.token as string);
          } else createErrors += 1;
        }
      }),
    );
    report(`create checkout (${CLIENTS} clients)`, createLat, PHASE_SECONDS, createErrors);

    // 2. confirm (each confirm by a different shopper)
    const confirmLat: number[] = [];
    let confirmErrors = 0;
    const confirmUntil = performance.now() + PHASE_SECONDS * 1000;
    const confirmStarted = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        let i = 0;
        while (performance.now() < confirmUntil && i < tokens[c]!.length) {
          const token = tokens[c]![i++]!;
          const shopper = shopperTokens[nextShopper++ % SHOPPERS]!;
          const r = await post(
            `/v1/checkouts/${token}/confirm`,
            shopper,
            { installments: 6 },
            `bench-${token}`,
          );
          if (r.status === 200) confirmLat.push(r.ms);
          else {
            confirmErrors += 1;
            if (confirmErrors <= 3)
              console.log(`confirm error ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
          }
        }
      }),
    );
    const confirmSeconds = (performance.now() - confirmStarted) / 1000;
    const { p99 } = report(
      `confirm checkout (${CLIENTS} clients)`,
      confirmLat,
      confirmSeconds,
      confirmErrors,
    );
    console.log(`confirm p99 target < 25 ms: ${p99 < 25 ? 'met' : 'NOT met'}`);
    await settleTriggers();

    // 3. webhook deliveries
    const budgetMs = Math.max(5_000, DEADLINE_MS - (Date.now() - started) - 5_000);
    const at = new Date();
    const rows = Array.from({ length: WEBHOOK_EVENTS }, (_, i) => ({
      id: newEventId(at),
      type: 'checkout.captured',
      merchantId: merchant.merchantId,
      mode: 'test' as const,
      payload: { id: `chk_bench${i}`, object: 'checkout', amount: 10_000, currency: 'CNY' },
      nextAttemptAt: at,
      createdAt: at,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await database.db.insert(schema.outboxEvents).values(rows.slice(i, i + 500));
    const t0 = performance.now();
    let delivered = 0;
    let failed = 0;
    while (performance.now() - t0 < budgetMs) {
      const passes = await Promise.all(
        Array.from({ length: 4 }, () =>
          deliverDueEvents({ database, now: new Date(), limit: 100, concurrency: 16, keys: config }),
        ),
      );
      const claimed = passes.reduce((n, p) => n + p.claimed, 0);
      delivered += passes.reduce((n, p) => n + p.delivered, 0);
      failed += passes.reduce((n, p) => n + p.failed, 0);
      if (claimed === 0) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `webhook deliveries                 ${String(delivered).padStart(6)} ok  ${(delivered / seconds).toFixed(0).padStart(6)} deliveries/s (signed POST + attempt row, 4 workers × 16 in flight)${failed ? `, ${failed} FAILED` : ''}`,
    );
    if (delivered < WEBHOOK_EVENTS) process.exitCode = 1;
  } finally {
    await settleTriggers();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
