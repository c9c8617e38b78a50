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
import {
  borrowLoan,
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
const SECONDS_PER_RUN = Number(process.env.BENCH_DB_SECONDS ?? 6);
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

async function borrowTps(
  database: TestDatabase,
  lines: Array<{ userId: string; creditLineId: string }>,
  clients: number,
): Promise<{ tps: number; refused: number }> {
  const now = new Date();
  const deadlineMs = performance.now() + SECONDS_PER_RUN * 1000;
  let done = 0;
  let refused = 0;
  const startedMs = performance.now();
  const client = async (c: number) => {
    let i = 0;
    while (performance.now() < deadlineMs) {
      const owner = lines[(c * 7919 + i++ * 31) % lines.length]!;
      const principalFen = 50_000n + BigInt(i % 100) * 1_000n;
      const loan: LoanInput = {
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
      };
      const outcome = await runIdempotent(
        database,
        {
          scope: `${owner.userId}:POST /v1/loans`,
          key: randomBytes(12).toString('hex'),
          requestHash: 'bench',
        },
        now,
        async (tx, ctx) => {
          const result = await borrowLoan(tx, {
            loan,
            schedule: simpleSchedule({
              principalFen,
              count: 12,
              interestFen: 700n,
              firstDueDate: '2026-12-28',
            }),
            now,
            idempotencyRef: ctx.idempotencyRef,
          });
          if (!result.ok) return { status: 422, body: { code: result.code } };
          return {
            status: 201,
            body: { id: result.value.loanId },
            effect: { type: 'loan', id: result.value.loanId },
          };
        },
      );
      if (outcome.kind === 'executed' && outcome.status !== 201) refused += 1;
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
    const lines = [];
    for (let u = 0; u < USERS; u++) {
      lines.push(await createUserWithLine(database.db, { baseLimitFen: 10n ** 12n, now }));
    }
    await borrowTps(database, lines, 2); // warm up connections and plans (not reported)
    const rows: Array<{ clients: number; borrowTps: number; pgbenchTps?: number; refused: number }> = [];
    for (const clients of CLIENT_COUNTS) {
      const ours = await borrowTps(database, lines, clients);
      const theirs = pgbenchReady ? pgbenchTps(pgbenchDb, clients) : undefined;
      rows.push({ clients, borrowTps: ours.tps, pgbenchTps: theirs, refused: ours.refused });
    }
    const violations = await verifyInvariants(database);
    console.log(`bench db (PostgreSQL via Neon driver + local proxy; ${SECONDS_PER_RUN} s per run)`);
    console.log('  clients   borrow tx/s   pgbench TPC-B tps   ratio   (target ≥ 0.5 at 8 clients)');
    for (const r of rows) {
      const ratio = r.pgbenchTps ? (r.borrowTps / r.pgbenchTps).toFixed(2) : 'n/a';
      console.log(
        `  ${String(r.clients).padStart(7)}   ${r.borrowTps.toFixed(0).padStart(11)}   ${(r.pgbenchTps?.toFixed(0) ?? 'n/a').padStart(17)}   ${ratio.padStart(5)}`,
      );
      if (r.refused > 0) console.log(`  (${r.refused} draws refused at ${r.clients} clients)`);
    }
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
