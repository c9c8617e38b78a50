/**
 * `npm run bench -- load` (or `npx tsx scripts/bench-load.ts [--seconds S] [--users N]`): borrow,
 * repay and checkout confirm through the real HTTP service on the real PostgreSQL server at 1, 8
 * and 32 concurrent clients — p50/p99 latency and tps — next to a pgbench TPC-B-like run on a
 * scratch database of the same server in the same run, printed as a ratio. About 90 s.
 *
 * The borrowers are onboarded before timing, straight into the database (user with income and
 * passed education, the essential consents, an approved credit line, a signed session), so the
 * phases measure the service: every user borrows at most twice and repays at most twice in the
 * run, below the risk engine's velocity rule (5 attempts a minute per user), and each checkout
 * is confirmed by a user of its own. Refusals (4xx) are counted apart from errors (5xx).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { newId, openDatabase, schema } from '@fenqi/db';
import { newSessionId, signSession } from '../functions/src/http/auth';
import { type Actor, field, HttpClient, newLogSink, type SimRequest } from '../tests/sim/client';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  type PgServer,
  pgReachable,
  pgServerFromEnv,
  scratchName,
} from '../tests/sim/pg-admin';
import { freePort, ServerProcess } from '../tests/sim/server-process';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const LEVELS = [1, 8, 32] as const;
/** Per user in the whole run (the velocity rule refuses the 5th attempt within a minute). */
const BORROWS_PER_USER_MAX = 2;
const REPAYS_PER_USER_MAX = 2;
const SESSION_SECRET = 'bench-load-session-secret-0123456789abcdef';
const CHECKOUTS_PER_CLIENT = 40;
const CHECKOUTS_PER_LEVEL_MAX = 400;

interface Figures {
  ok: number;
  /** 4xx answers (business refusals, by code in `codes`). */
  refused: number;
  /** 5xx answers and failed requests. */
  errors: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  codes: Record<string, number>;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function pgbench(server: PgServer, seconds: number): Map<number, number> {
  const name = scratchName('fenqi_pgbench', 'load');
  createDatabase(server, name);
  const common = ['-h', server.host, '-p', String(server.port), '-U', server.user];
  const out = new Map<number, number>();
  try {
    const init = spawnSync(PGBENCH, ['-i', '-q', '-s', '4', ...common, name], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    for (const clients of LEVELS) {
      const run = spawnSync(
        PGBENCH,
        [
          '-n',
          '-c',
          String(clients),
          '-j',
          String(Math.min(clients, 2)),
          '-T',
          String(seconds),
          ...common,
          name,
        ],
        { encoding: 'utf8' },
      );
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout)?.[1];
      out.set(clients, tps ? Number(tps) : Number.NaN);
    }
  } finally {
    dropDatabase(server, name);
  }
  return out;
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 5);
  const userCount = arg('--users', 1_500);
  const pg = pgServerFromEnv();
  if (!pgReachable(pg)) {
    console.log(`bench load: SKIPPED — no PostgreSQL server at ${pg.host}:${pg.port}`);
    return;
  }
  if (!spawnSync(PGBENCH, ['--version']).stdout) {
    console.log(`bench load: SKIPPED — ${PGBENCH} not found`);
    return;
  }
  const startedMs = performance.now();
  const pgbenchTps = pgbench(pg, seconds);

  const dbName = scratchName('fenqi_load', 'bench');
  createDatabase(pg, dbName);
  const server = new ServerProcess({ databaseUrl: databaseUrl(pg, dbName), port: await freePort() });
  try {
    const ready = await server.start({ SESSION_SECRET });
    const client = new HttpClient(server.url, newLogSink(10));
    const merchantKey =
      field<string>(field(ready.seed, 'merchant'), 'apiKey') ??
      field<string>(field(ready.seed, 'merchant'), 'api_key');
    const merchant: Actor | undefined = merchantKey ? { name: 'merchant', token: merchantKey } : undefined;
    const shopperCount = merchant
      ? LEVELS.reduce((n, c) => n + Math.min(CHECKOUTS_PER_LEVEL_MAX, c * CHECKOUTS_PER_CLIENT), 0)
      : 0;
    const onboardStartedMs = performance.now();
    const everyone = await onboardUsers(databaseUrl(pg, dbName), userCount + shopperCount);
    const onboardMs = performance.now() - onboardStartedMs;
    const borrowers = everyone.slice(0, userCount);
    const shoppers = everyone.slice(userCount);
    const results: Array<{ op: string; clients: number; f: Figures }> = [];
    let keySeq = 0;
    const loansByUser = new Map<string, string[]>();

    // Users in turn: the k-th borrow goes to user k mod N, at most BORROWS_PER_USER_MAX rounds.
    let borrowTurn = 0;
    for (const clients of LEVELS) {
      const borrow = await timed(clients, seconds, async () => {
        const turn = borrowTurn++;
        if (turn >= borrowers.length * BORROWS_PER_USER_MAX) return undefined;
        const user = borrowers[turn % borrowers.length]!;
        const req: SimRequest = {
          method: 'POST',
          path: '/v1/loans',
          actor: user,
          idempotencyKey: `load-borrow-${keySeq++}`,
          body: {
            product: 'cash_loan',
            principal_amount: 50_000,
            term_months: 3,
            method: 'equal_installment',
          },
        };
        const res = await client.send(req);
        const id = field<string>(res.body, 'id');
        if (res.status < 300 && id) loansByUser.set(user.name, [...(loansByUser.get(user.name) ?? []), id]);
        return res;
      });
      results.push({ op: 'borrow', clients, f: borrow });
    }
    const withLoans = borrowers.filter((u) => loansByUser.has(u.name));
    let repayTurn = 0;
    for (const clients of LEVELS) {
      const repay = await timed(clients, seconds, async () => {
        const turn = repayTurn++;
        if (turn >= withLoans.length * REPAYS_PER_USER_MAX) return undefined;
        const user = withLoans[turn % withLoans.length]!;
        const loans = loansByUser.get(user.name) ?? [];
        const loan = loans[Math.floor(turn / withLoans.length) % loans.length]!;
        return client.send({
          method: 'POST',
          path: `/v1/loans/${loan}/repayments`,
          actor: user,
          idempotencyKey: `load-repay-${keySeq++}`,
          body: { amount: 100 },
        });
      });
      results.push({ op: 'repay', clients, f: repay });
    }
    if (merchant) {
      let shopperTurn = 0;
      let lastTps = Number.POSITIVE_INFINITY;
      for (const clients of LEVELS) {
        // Checkouts are created beforehand (not timed); the phase ends when they run out. After
        // the first level, about 4× what the previous level confirmed in a phase (time bound).
        const count = Math.min(
          CHECKOUTS_PER_LEVEL_MAX,
          clients * CHECKOUTS_PER_CLIENT,
          Math.max(CHECKOUTS_PER_CLIENT, Math.ceil(lastTps * seconds * 4)),
        );
        const tokens = await parallel(count, 8, async (i) => {
          const res = await client.send({
            method: 'POST',
            path: '/v1/merchant/checkouts',
            actor: merchant,
            idempotencyKey: `load-chk-${clients}-${i}`,
            body: {
              out_trade_no: `load-${clients}-${i}`,
              amount: 20_000,
              currency: 'CNY',
              scene: 'dining',
              description: 'load',
              notify_url: 'http://127.0.0.1:9/hooks',
              capture_method: 'automatic',
            },
          });
          return field<string>(res.body, 'token') ?? 'missing';
        });
        let next = 0;
        const confirm = await timed(clients, seconds, async () => {
          const token = tokens[next++];
          if (token === undefined) return undefined;
          const user = shoppers[shopperTurn++ % shoppers.length]!;
          return client.send({
            method: 'POST',
            path: `/v1/checkouts/${token}/confirm`,
            actor: user,
            idempotencyKey: `load-confirm-${keySeq++}`,
            body: { installments: 3 },
          });
        });
        results.push({ op: 'checkout confirm', clients, f: confirm });
        lastTps = confirm.tps;
      }
    }

    console.log(
      `bench load (real PostgreSQL ${pg.host}:${pg.port}, Neon driver through the local proxy, ${seconds} s per phase)`,
    );
    console.log(
      `  pgbench TPC-B-like (scale 4):  ${LEVELS.map((c) => `${c} clients ${pgbenchTps.get(c)?.toFixed(0)} tps`).join(', ')}`,
    );
    console.log(
      `  onboarded ${everyone.length} users in ${(onboardMs / 1000).toFixed(1)} s (db fixtures, not timed): ${borrowers.length} borrowers (≤ ${BORROWS_PER_USER_MAX} borrows, ≤ ${REPAYS_PER_USER_MAX} repayments each), ${shoppers.length} shoppers (1 checkout each)`,
    );
    console.log('  operation          clients    ok  refused  err      tps   p50 ms   p99 ms   × pgbench');
    for (const { op, clients, f } of results) {
      const ratio = f.tps / (pgbenchTps.get(clients) ?? Number.NaN);
      console.log(
        `  ${op.padEnd(18)} ${String(clients).padStart(7)} ${String(f.ok).padStart(5)} ${String(f.refused).padStart(8)} ${String(f.errors).padStart(4)} ${f.tps.toFixed(1).padStart(8)} ${f.p50Ms.toFixed(1).padStart(8)} ${f.p99Ms.toFixed(1).padStart(8)}   ${ratio.toFixed(3)}${Object.keys(f.codes).length ? `   ${JSON.stringify(f.codes)}` : ''}`,
      );
    }
    const borrow8 = results.find((r) => r.op === 'borrow' && r.clients === 8);
    if (borrow8) {
      const ratio = borrow8.f.tps / (pgbenchTps.get(8) ?? Number.NaN);
      console.log(
        `  target: borrow at 8 clients ≥ 0.5 × pgbench → ${ratio.toFixed(3)} × (${ratio >= 0.5 ? 'met' : 'NOT met'})`,
      );
    }
    console.log(`  total ${((performance.now() - startedMs) / 1000).toFixed(1)} s`);
  } finally {
    await server.stop();
    dropDatabase(pg, dbName);
  }
}

/**
 * Borrowers ready to borrow, written straight into the service's database in a few statements:
 * user (regular tier, income declared, education passed), the essential consents, an approved
 * credit line; and a session token signed with the server's secret.
 */
async function onboardUsers(url: string, count: number): Promise<Actor[]> {
  const database = await openDatabase({ url, poolMax: 2 });
  const now = new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const actors: Actor[] = [];
  try {
    for (let from = 0; from < count; from += 500) {
      const ids = Array.from({ length: Math.min(500, count - from) }, () => newId('usr'));
      await database.db.insert(schema.users).values(
        ids.map((id) => ({
          id,
          openidHash: createHash('sha256').update(`bench-load:${id}`).digest('hex'),
          tier: 'regular' as const,
          creditScore: 720,
          healthScore: 90,
          declaredMonthlyIncomeFen: 10_000_000n,
          educationPassedAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      );
      await database.db.insert(schema.consents).values(
        ids.flatMap((userId) =>
          ['privacy_policy', 'credit_assessment', 'identity_verification'].map((key) => ({
            id: newId('cns'),
            userId,
            key,
            granted: true,
            context: 'credit_application',
            createdAt: now,
          })),
        ),
      );
      await database.db.insert(schema.creditLines).values(
        ids.map((userId) => ({
          id: newId('cl'),
          userId,
          baseLimitFen: 5_000_000n,
          creditScore: 720,
          evaluatedAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      );
      for (const id of ids)
        actors.push({
          name: id,
          token: signSession({ sub: id, sid: newSessionId(), iat, exp: iat + 3600 }, SESSION_SECRET),
        });
    }
  } finally {
    await database.close();
  }
  return actors;
}

async function parallel<T>(count: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** `clients` closed loops for `seconds` (or until `fn` returns undefined); latency of 2xx answers. */
async function timed(
  clients: number,
  seconds: number,
  fn: (client: number, n: number) => Promise<{ status: number; body: unknown } | undefined>,
): Promise<Figures> {
  const latencies: number[] = [];
  let refused = 0;
  let errors = 0;
  const codes: Record<string, number> = {};
  const startedMs = performance.now();
  const deadline = startedMs + seconds * 1000;
  let lastEndMs = startedMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now();
        const res = await fn(c, n);
        if (!res) break;
        const t1 = performance.now();
        lastEndMs = Math.max(lastEndMs, t1);
        if (res.status >= 200 && res.status < 300) latencies.push(t1 - t0);
        else {
          if (res.status >= 400 && res.status < 500) refused += 1;
          else errors += 1;
          const code = `${res.status} ${String(field(field(res.body, 'error'), 'code') ?? '')}`.trim();
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedS = (lastEndMs - startedMs) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    refused,
    errors,
    tps: latencies.length / Math.max(elapsedS, 0.001),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    codes,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
