/**
 * Database benchmark: borrow-shaped transactions per second against the real PostgreSQL
 * server, through the production driver (Neon serverless Pool over the local WebSocket proxy),
 * printed beside pgbench's TPC-B-like tps on the same server in the same run.
 *
 * One borrow transaction = idempotency claim + conditional draw on the credit line + loan +
 * 12 installments + ledger transaction (booking) + ledger transaction (disbursement) + outbox
 * event + idempotency completion, committed together.
 *
 *   npx tsx scripts/bench-db.ts        (server: FENQI_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * Target: ratio ≥ 0.5 at 8 clients. Bounded to well under 60 s.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import {
  borrowLoan,
  borrowOnce,
  createTestDatabase,
  createUserWithLine,
  type LoanInput,
  openDatabase,
  runIdempotent,
  simpleSchedule,
  type TestDatabase,
  verifyInvariants,
} from '@fenqi/db';
import { sql } from 'drizzle-orm';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const SECONDS_PER_RUN = Number(process.env.BENCH_DB_SECONDS ?? 3);
const ROUNDS = 2;
const CLIENT_COUNTS = [1, 8] as const;
const USERS = 64;

const adminUrl = process.env.FENQI_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.FENQI_TEST_PG_URL = adminUrl;

function pgbenchTps(dbName: string, clients: number): number | undefined {
  const u = new URL(adminUrl);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  const run = spawnSync(
    PGBENCH,
    [
      ...args,
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(SECONDS_PER_RUN),
      '-n',
      dbName,
    ],
    { encoding: 'utf8', env },
  );
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout);
  if (!match) {
    console.error(`pgbench failed: ${run.stderr || run.stdout}`);
    return undefined;
  }
  return Number(match[1]);
}

function pgbenchInit(dbName: string): boolean {
  const u = new URL(adminUrl);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const run = spawnSync(PGBENCH, [...args, '-i', '-s', '1', '-q', dbName], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
  });
  if (run.status !== 0) console.error(`pgbench -i failed: ${run.stderr}`);
  return run.status === 0;
}

type Path = 'interactive' | 'statement';

function borrowInput(
  owner: { userId: string; creditLineId: string },
  i: number,
): { loan: LoanInput; principalFen: bigint } {
  const principalFen = 50_000n + BigInt(i % 100) * 1_000n;
  return {
    principalFen,
    loan: {
      userId: owner.userId,
      creditLineId: owner.creditLineId,
      product: 'cash_loan',
      method: 'equal_installment',
      principalFen,
      termMonths: 12,
      annualRate: '0.1825',
      dailyRate: '0.0005',
      monthlyRate: '0.015208',
      apr: '0.1825',
      status: 'active',
      startDate: '2026-11-28',
    },
  };
}

/** One borrow: `interactive` = BEGIN … COMMIT via runIdempotent + borrowLoan; `statement` = borrowOnce. */
async function borrowOne(
  database: TestDatabase,
  path: Path,
  owner: { userId: string; creditLineId: string },
  i: number,
  now: Date,
): Promise<boolean> {
  const { loan, principalFen } = borrowInput(owner, i);
  const schedule = simpleSchedule({ principalFen, count: 12, interestFen: 700n, firstDueDate: '2026-12-28' });
  const idempotency = {
    scope: `${owner.userId}:POST /v1/loans`,
    key: randomBytes(12).toString('hex'),
    requestHash: 'bench',
  };
  if (path === 'statement') {
    const outcome = await borrowOnce<Record<string, unknown>>(database, {
      idempotency,
      loan,
      schedule,
      now,
      created: { body: (id) => ({ id }) },
      refused: { body: (code) => ({ error: { code } }) },
    });
    return outcome.kind === 'executed' && outcome.status === 201;
  }
  const outcome = await runIdempotent<Record<string, unknown>>(
    database,
    idempotency,
    now,
    async (tx, ctx) => {
      const result = await borrowLoan(tx, { loan, schedule, now, idempotencyRef: ctx.idempotencyRef });
      if (!result.ok) return { status: 422, body: { error: { code: result.code } } };
      return {
        status: 201,
        body: { id: result.value.loanId },
        effect: { type: 'loan', id: result.value.loanId },
      };
    },
  );
  return outcome.kind === 'executed' && outcome.status === 201;
}

async function borrowTps(
  database: TestDatabase,
  path: Path,
  lines: Array<{ userId: string; creditLineId: string }>,
  clients: number,
  seconds = SECONDS_PER_RUN,
): Promise<{ tps: number; refused: number }> {
  const now = new Date();
  const deadlineMs = performance.now() + seconds * 1000;
  let done = 0;
  let refused = 0;
  const startedMs = performance.now();
  const client = async (c: number) => {
    let i = 0;
    while (performance.now() < deadlineMs) {
      const owner = lines[(c * 7919 + i * 31) % lines.length]!;
      if (!(await borrowOne(database, path, owner, i, now))) refused += 1;
      i += 1;
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return { tps: done / ((performance.now() - startedMs) / 1000), refused };
}

async function main(): Promise<void> {
  const startedMs = performance.now();
  const pgbenchDb = `fenqi_pgbench_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ url: adminUrl, poolMax: 1 });
  const database = await createTestDatabase('server', { poolMax: 8 });
  try {
    await admin.db.execute(sql.raw(`CREATE DATABASE "${pgbenchDb}"`));
    const pgbenchReady = pgbenchInit(pgbenchDb);
    const now = new Date();
    const lines: Array<{ userId: string; creditLineId: string }> = [];
    for (let u = 0; u < USERS; u++) {
      lines.push(await createUserWithLine(database.db, { baseLimitFen: 10n ** 12n, now }));
    }
    await borrowTps(database, 'interactive', lines, 2, 1); // warm up connections and plans (not reported)
    await borrowTps(database, 'statement', lines, 2, 1);
    const rows: Array<{
      clients: number;
      interactive: number;
      statement: number;
      pgbench?: number;
      refused: number;
    }> = [];
    // Interleaved rounds in alternating order, so a change in machine load during the run
    // weighs on both sides of the ratio alike.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const clients of CLIENT_COUNTS) {
      const samples = { interactive: [] as number[], statement: [] as number[], pgbench: [] as number[] };
      let refused = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const steps = [
          async () => {
            const r = await borrowTps(database, 'interactive', lines, clients);
            samples.interactive.push(r.tps);
            refused += r.refused;
          },
          async () => {
            const r = await borrowTps(database, 'statement', lines, clients);
            samples.statement.push(r.tps);
            refused += r.refused;
          },
          async () => {
            const tps = pgbenchReady ? pgbenchTps(pgbenchDb, clients) : undefined;
            if (tps !== undefined) samples.pgbench.push(tps);
          },
        ];
        for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
      }
      rows.push({
        clients,
        interactive: mean(samples.interactive),
        statement: mean(samples.statement),
        pgbench: samples.pgbench.length > 0 ? mean(samples.pgbench) : undefined,
        refused,
      });
    }
    const violations = await verifyInvariants(database);
    const [load1] = loadavg();
    console.log(
      `bench db (PostgreSQL via Neon driver + local proxy; ${ROUNDS} interleaved rounds of ${SECONDS_PER_RUN} s; load average ${load1?.toFixed(1)} on ${cpus().length} CPUs)`,
    );
    console.log(
      '  borrow = draw + loan + 12 installments + 2 ledger transactions + outbox event + idempotency record',
    );
    console.log(
      '  clients   interactive tx/s   one-statement tx/s   pgbench TPC-B tps   ratio (interactive / one-statement)',
    );
    for (const r of rows) {
      const ratio = (x: number) => (r.pgbench ? (x / r.pgbench).toFixed(2) : 'n/a');
      console.log(
        `  ${String(r.clients).padStart(7)}   ${r.interactive.toFixed(0).padStart(16)}   ${r.statement.toFixed(0).padStart(18)}   ${(r.pgbench?.toFixed(0) ?? 'n/a').padStart(17)}   ${ratio(r.interactive)} / ${ratio(r.statement)}`,
      );
      if (r.refused > 0) console.log(`  (${r.refused} draws refused at ${r.clients} clients)`);
    }
    console.log('  target: ratio ≥ 0.5 at 8 clients');
    console.log(
      `  invariants after the run: ${violations.length === 0 ? 'all hold' : `${violations.length} VIOLATED`}; total ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
    );
    if (violations.length > 0) process.exitCode = 1;
  } finally {
    await database.drop();
    await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${pgbenchDb}" WITH (FORCE)`)).catch(() => {});
    await admin.close();
  }
}

await main();
