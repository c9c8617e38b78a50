/**
 * `npm run bench -- load` (or `npx tsx scripts/bench-load.ts [--seconds S]`): borrow, repay and
 * checkout confirm through the real HTTP service on the real PostgreSQL server at 1, 8 and 32
 * concurrent clients — p50/p99 latency and tps — next to a pgbench TPC-B-like run on a scratch
 * database of the same server in the same run, printed as a ratio. Bounded to about 2 minutes.
 */
import { spawnSync } from 'node:child_process';
import { type Actor, field, HttpClient, type Json, newLogSink, type SimRequest } from '../tests/sim/client';
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
const USERS_PER_CLIENT = 4;

interface Figures {
  ok: number;
  errors: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  errorCodes: Record<string, number>;
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
    const ready = await server.start();
    const client = new HttpClient(server.url, newLogSink(10));
    const merchantKey =
      field<string>(field(ready.seed, 'merchant'), 'apiKey') ??
      field<string>(field(ready.seed, 'merchant'), 'api_key');
    const merchant: Actor | undefined = merchantKey ? { name: 'merchant', token: merchantKey } : undefined;
    const maxClients = LEVELS[LEVELS.length - 1]!;
    const users = await parallel(maxClients * USERS_PER_CLIENT, 8, (i) => prepareUser(client, i));
    const results: Array<{ op: string; clients: number; f: Figures }> = [];
    let keySeq = 0;
    const loansByUser = new Map<string, string[]>();

    for (const clients of LEVELS) {
      const borrow = await timed(clients, seconds, async (c, n) => {
        const user = users[(c * USERS_PER_CLIENT + (n % USERS_PER_CLIENT)) % users.length]!;
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
    for (const clients of LEVELS) {
      const repay = await timed(clients, seconds, async (c, n) => {
        const user = users[(c * USERS_PER_CLIENT + (n % USERS_PER_CLIENT)) % users.length]!;
        const loans = loansByUser.get(user.name) ?? [];
        const loan = loans[n % Math.max(1, loans.length)] ?? 'loan_missing';
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
      for (const clients of LEVELS) {
        // Checkouts are created beforehand (not timed); the phase ends when they run out.
        const count = Math.min(400, clients * 40);
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
        const confirm = await timed(clients, seconds, async (c) => {
          const token = tokens[next++];
          if (token === undefined) return undefined;
          const user = users[(c * USERS_PER_CLIENT + next) % users.length]!;
          return client.send({
            method: 'POST',
            path: `/v1/checkouts/${token}/confirm`,
            actor: user,
            idempotencyKey: `load-confirm-${keySeq++}`,
            body: { installments: 3 },
          });
        });
        results.push({ op: 'checkout confirm', clients, f: confirm });
      }
    }

    console.log(
      `bench load (real PostgreSQL ${pg.host}:${pg.port}, Neon driver through the local proxy, ${seconds} s per phase)`,
    );
    console.log(
      `  pgbench TPC-B-like (scale 4):  ${LEVELS.map((c) => `${c} clients ${pgbenchTps.get(c)?.toFixed(0)} tps`).join(', ')}`,
    );
    console.log('  operation          clients   ok    err    tps      p50 ms   p99 ms   × pgbench');
    for (const { op, clients, f } of results) {
      const ratio = f.tps / (pgbenchTps.get(clients) ?? Number.NaN);
      console.log(
        `  ${op.padEnd(18)} ${String(clients).padStart(7)} ${String(f.ok).padStart(5)} ${String(f.errors).padStart(6)} ${f.tps.toFixed(1).padStart(8)} ${f.p50Ms.toFixed(1).padStart(8)} ${f.p99Ms.toFixed(1).padStart(8)}   ${ratio.toFixed(3)}${Object.keys(f.errorCodes).length ? `   errors: ${JSON.stringify(f.errorCodes)}` : ''}`,
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

async function prepareUser(client: HttpClient, i: number): Promise<Actor> {
  const login = await client.send({
    method: 'POST',
    path: '/v1/auth/session',
    body: { code: `dev:load_user_${i}` },
  });
  const actor: Actor = { name: `load${i}`, token: field<string>(login.body, 'token') ?? 'none' };
  await client.send({
    method: 'POST',
    path: '/v1/credit/applications',
    actor,
    idempotencyKey: `load-apply-${i}`,
    body: {
      monthly_income: 10_000_000,
      consents: ['privacy_policy', 'credit_assessment', 'identity_verification'],
    },
  });
  const quiz = await client.send({ method: 'GET', path: '/v1/education/quiz', actor });
  const questions = field<Json[]>(quiz.body, 'questions') ?? [];
  const first = await client.send({
    method: 'POST',
    path: '/v1/education/quiz',
    actor,
    idempotencyKey: `load-quiz1-${i}`,
    body: {
      answers: questions.map((q) => ({
        question_id: q.id,
        option_id: field(field<Json[]>(q, 'options')?.[0], 'id'),
      })),
    },
  });
  if (field(first.body, 'passed') !== true) {
    const results = field<Json[]>(first.body, 'results') ?? [];
    await client.send({
      method: 'POST',
      path: '/v1/education/quiz',
      actor,
      idempotencyKey: `load-quiz2-${i}`,
      body: { answers: results.map((r) => ({ question_id: r.question_id, option_id: r.correct_option_id })) },
    });
  }
  return actor;
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
  let errors = 0;
  const errorCodes: Record<string, number> = {};
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
          errors += 1;
          const code = `${res.status} ${String(field(field(res.body, 'error'), 'code') ?? '')}`.trim();
          errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedS = (lastEndMs - startedMs) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    errors,
    tps: latencies.length / Math.max(elapsedS, 0.001),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errorCodes,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
