/**
 * Merchant benchmark on the real PostgreSQL server. The API runs in a child process
 * (scripts/lib/bench-merchant-server.ts: production driver, production behaviour, a live-mode
 * merchant), so the clients and the webhook receiver here do not starve it of its event loop:
 *   1. POST /v1/merchant/checkouts at 1 and at 8 clients — requests/s, p50 / p99;
 *   2. POST /v1/checkouts/{token}/confirm at 1 and at 8 clients (automatic capture: hold +
 *      loan + installments + ledger + payable + outbox events + idempotency), each confirm by
 *      its own shopper — requests/s, p50 / p99; and how long after the confirm response its
 *      `checkout.captured` reached the receiver (the after-commit trigger; no cron runs);
 *   3. webhook deliveries per second: a backlog written to the outbox, delivered by the
 *      server's cron endpoint (4 concurrent calls; signed POST + attempt row per event).
 * Target: confirm p99 < 25 ms at 8 clients. Bounded to well under 60 s.
 *
 *   npx tsx scripts/bench-merchant.ts   (server: FENQI_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_MERCHANT_SECONDS (per phase, default 4), BENCH_MERCHANT_EVENTS (default 2000)
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, newId, schema, type TestDatabase, withTransaction } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../functions/src/config';
import { newSessionId, signSession } from '../functions/src/http/auth';
import { newEventId } from '../functions/src/merchant/events';
import { createMerchant } from '../functions/src/merchant/merchants';

const PHASE_SECONDS = Number(process.env.BENCH_MERCHANT_SECONDS ?? 4);
const WEBHOOK_EVENTS = Number(process.env.BENCH_MERCHANT_EVENTS ?? 2_000);
const SHOPPERS = Number(process.env.BENCH_MERCHANT_SHOPPERS ?? 3_000);
const CLIENT_COUNTS = [1, 8] as const;
const SERVER_POOL_MAX = 20;
const WEBHOOK_BUDGET_MS = 15_000;
const CRON_SECRET = 'bench-cron-secret';
/** Live mode takes only public https notify URLs; the untimed fixture step below points them here. */
const LIVE_NOTIFY_URL = 'https://merchant.example/fenqi/hooks';
const here = path.dirname(fileURLToPath(import.meta.url));

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function report(name: string, latenciesMs: number[], seconds: number, errors: number): { p99: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(
    `${name.padEnd(34)} ${String(latenciesMs.length).padStart(6)} ok  ${(latenciesMs.length / seconds).toFixed(0).padStart(6)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms${errors ? `  (${errors} errors)` : ''}`,
  );
  return { p99 };
}

/** Starts the API in its own process on the bench database; resolves with its base URL. */
async function startServer(dbUrl: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'lib/bench-merchant-server.ts')],
    {
      cwd: path.resolve(here, '..'),
      env: {
        ...process.env,
        BENCH_DB_URL: dbUrl,
        BENCH_POOL_MAX: String(SERVER_POOL_MAX),
        BENCH_CRON_SECRET: CRON_SECRET,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('bench server did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line.slice(6)) as { url: string }).url);
    });
  });
  return { child, baseUrl };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Shoppers with a line, education passed, good scores — bulk-inserted. */
async function insertShoppers(database: TestDatabase, now: Date): Promise<string[]> {
  const ids = Array.from({ length: SHOPPERS }, () => newId('usr'));
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    await database.db.insert(schema.users).values(
      batch.map((id) => ({
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
      batch.map((userId) => ({
        id: newId('cl'),
        userId,
        baseLimitFen: 5_000_000n,
        createdAt: now,
        updatedAt: now,
      })),
    );
  }
  return ids;
}

async function main(): Promise<void> {
  let database: TestDatabase;
  try {
    database = await createTestDatabase('server', { poolMax: 4 });
  } catch (error) {
    console.log(
      `bench merchant: skipped — no PostgreSQL server (${error instanceof Error ? error.message : String(error)})`,
    );
    return;
  }
  const dbUrl = new URL(process.env.FENQI_TEST_PG_URL!);
  dbUrl.pathname = `/${database.name}`;

  // The webhook receiver: answers 200 at once and notes when each checkout.captured arrived.
  let received = 0;
  const capturedAtMs = new Map<string, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received += 1;
      res.writeHead(200).end('ok');
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type: string;
        data: { object: { id: string } };
      };
      if (event.type === 'checkout.captured') capturedAtMs.set(event.data.object.id, performance.now());
    });
  });
  receiver.keepAliveTimeout = 60_000;
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);
  const now = new Date();
  const merchant = await withTransaction(database, (tx) =>
    createMerchant(tx, {
      name: 'Bench Bistro',
      scene: 'dining',
      modes: ['live'], // production configuration pays live-mode checkouts only
      webhookUrl: notifyUrl,
      now,
      keys: config,
    }),
  );
  const apiKey = merchant.apiKeys.live!;
  // The risk gate allows a few confirms per shopper per minute, as it should: every confirm
  // comes from its own shopper.
  const shopperTokens = (await insertShoppers(database, now)).map((sub) => {
    const iat = Math.floor(Date.now() / 1000);
    return signSession({ sub, sid: newSessionId(), iat, exp: iat + 3600 }, config.sessionSecret);
  });
  let nextShopper = 0;

  const { child, baseUrl } = await startServer(dbUrl.toString());
  const started = Date.now();
  try {
    const post = async (urlPath: string, token: string, body: unknown, key?: string) => {
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}${urlPath}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      const t1 = performance.now();
      return { ms: t1 - t0, at: t1, status: res.status, json };
    };
    /** `clients` loops for PHASE_SECONDS (or until `next` runs dry); returns the wall time used. */
    const phase = async (clients: number, step: () => Promise<boolean>): Promise<number> => {
      const until = performance.now() + PHASE_SECONDS * 1000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < until && (await step())) {}
        }),
      );
      return (performance.now() - t0) / 1000;
    };

    // warm-up: a few requests so that the first phase does not pay the child's JIT and pool
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post('/v1/merchant/checkouts', apiKey, {
          out_trade_no: `W-${i}`,
          amount: 10_000,
          currency: 'CNY',
          scene: 'dining',
          description: 'warm-up',
          notify_url: LIVE_NOTIFY_URL,
        }),
      ),
    );

    // 1. create
    const open: { id: string; token: string }[] = [];
    let seq = 0;
    for (const clients of CLIENT_COUNTS) {
      const latencies: number[] = [];
      let errors = 0;
      const seconds = await phase(clients, async () => {
        const n = ++seq;
        const r = await post('/v1/merchant/checkouts', apiKey, {
          out_trade_no: `B-${n}`,
          amount: 10_000 + (n % 50) * 1_000,
          currency: 'CNY',
          scene: 'dining',
          description: 'bench order',
          notify_url: LIVE_NOTIFY_URL,
        });
        if (r.status === 201) {
          latencies.push(r.ms);
          open.push({ id: r.json.id as string, token: r.json.token as string });
        } else {
          errors += 1;
          if (errors <= 3) console.log(`create error ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
        }
        return true;
      });
      report(`create checkout (${clients} client${clients > 1 ? 's' : ''})`, latencies, seconds, errors);
    }

    // fixture, untimed: the live checkouts' notify_url (public https, as live mode demands) is
    // pointed at the local receiver, so the trigger's deliveries can be observed
    await database.db
      .update(schema.checkouts)
      .set({ notifyUrl })
      .where(eq(schema.checkouts.merchantId, merchant.merchantId));

    // 2. confirm (each by its own shopper), and the trigger's lag to the receiver
    const confirmedAtMs = new Map<string, number>();
    let p99At8 = Number.NaN;
    for (const clients of CLIENT_COUNTS) {
      const latencies: number[] = [];
      let errors = 0;
      const seconds = await phase(clients, async () => {
        const checkout = open.shift();
        if (!checkout || nextShopper >= shopperTokens.length) return false;
        const shopper = shopperTokens[nextShopper++]!;
        const r = await post(
          `/v1/checkouts/${checkout.token}/confirm`,
          shopper,
          { installments: 6 },
          `bench-${checkout.token}`,
        );
        if (r.status === 200) {
          latencies.push(r.ms);
          confirmedAtMs.set(checkout.id, r.at);
        } else {
          errors += 1;
          if (errors <= 3) console.log(`confirm error ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
        }
        return true;
      });
      const { p99 } = report(
        `confirm checkout (${clients} client${clients > 1 ? 's' : ''})`,
        latencies,
        seconds,
        errors,
      );
      if (clients === 8) p99At8 = p99;
    }
    console.log(`confirm p99 target < 25 ms at 8 clients: ${p99At8 < 25 ? 'met' : 'NOT met'}`);

    // the after-commit trigger: confirm response → checkout.captured at the receiver (no cron ran)
    const lagDeadline = performance.now() + 5_000;
    while (capturedAtMs.size < confirmedAtMs.size && performance.now() < lagDeadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const lags = [...confirmedAtMs]
      .map(([id, at]) => (capturedAtMs.has(id) ? capturedAtMs.get(id)! - at : Number.NaN))
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
    console.log(
      `after-commit trigger: ${lags.length}/${confirmedAtMs.size} checkout.captured delivered without cron; response → receiver p50 ${percentile(lags, 50).toFixed(1)} ms  p99 ${percentile(lags, 99).toFixed(1)} ms`,
    );

    // 3. webhook deliveries: a backlog delivered by the server's cron endpoint
    const at = new Date();
    const rows = Array.from({ length: WEBHOOK_EVENTS }, (_, i) => ({
      id: newEventId(at),
      type: 'checkout.authorized',
      merchantId: merchant.merchantId,
      mode: 'live' as const,
      payload: { id: `chk_bench${i}`, object: 'checkout', amount: 10_000, currency: 'CNY' },
      nextAttemptAt: at,
      createdAt: at,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await database.db.insert(schema.outboxEvents).values(rows.slice(i, i + 500));
    const receivedBefore = received;
    const t0 = performance.now();
    let delivered = 0;
    let failed = 0;
    while (performance.now() - t0 < WEBHOOK_BUDGET_MS) {
      const passes = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const res = await fetch(`${baseUrl}/v1/cron/webhooks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${CRON_SECRET}` },
          });
          if (res.status !== 200) throw new Error(`cron answered ${res.status}: ${await res.text()}`);
          return (await res.json()) as { claimed: number; delivered: number; failed: number };
        }),
      );
      delivered += passes.reduce((n, p) => n + p.delivered, 0);
      failed += passes.reduce((n, p) => n + p.failed, 0);
      if (passes.every((p) => p.claimed === 0)) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `webhook deliveries                 ${String(delivered).padStart(6)} ok  ${(delivered / seconds).toFixed(0).padStart(6)} deliveries/s (cron endpoint × 4 concurrent; signed POST + attempt row; receiver got ${received - receivedBefore})${failed ? `, ${failed} FAILED` : ''}`,
    );
    console.log(
      `(timed part ${((Date.now() - started) / 1000).toFixed(1)} s; server: separate process, pool ${SERVER_POOL_MAX})`,
    );
    if (delivered < WEBHOOK_EVENTS) process.exitCode = 1;
  } finally {
    await stopServer(child);
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
