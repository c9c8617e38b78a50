/**
 * `npm run bench -- batch` (or `npx tsx scripts/bench-batch.ts [--loans N] [--days D]`): the daily
 * batch on the real PostgreSQL server (production driver: Neon over the local WebSocket proxy).
 * Seeds N loans (default 2,500) with db fixtures — a realistic mix of loans falling due and
 * overdue in the window, paid first installments, cooling-off loans ending, limit restorations
 * and temporary increases expiring — then runs the batch for D business dates (default 35), the
 * way `POST /v1/test/clock` does, and prints ms per simulated day, per loan, and per step.
 * Skips cleanly without a server. Target: well under 1 s per business day at 2,500 loans.
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createTestDatabase, newId, schema, serverTestUrl, type TestDatabase } from '@fenqi/db';
import { addDays } from '@fenqi/shared';
import { sql } from 'drizzle-orm';
import '../functions/src/routes';
import { dailySteps, runDailyBatchFor } from '../functions/src/batch/daily';
import { shanghaiMidnight } from '../functions/src/clock';
import { loadConfig } from '../functions/src/config';

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The first business date of the window; loans start up to 60 days before it. */
const FIRST_DATE = '2026-03-02';
const INSERT_CHUNK = 500;

function monthlyDueDates(startDate: string, count: number): string[] {
  const [y, m, d] = startDate.split('-').map(Number) as [number, number, number];
  return Array.from({ length: count }, (_, k) => {
    const month = m + k; // (m - 1) + (k + 1)
    const due = new Date(Date.UTC(y + Math.floor(month / 12), month % 12, Math.min(d, 28)));
    return due.toISOString().slice(0, 10);
  });
}

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insert(rows.slice(i, i + INSERT_CHUNK));
}

/** Deterministic mix: loan k gets its shape from k alone. */
async function seed(database: TestDatabase, loanCount: number): Promise<void> {
  const { db } = database;
  const now = shanghaiMidnight(FIRST_DATE);
  const users: (typeof schema.users.$inferInsert)[] = [];
  const lines: (typeof schema.creditLines.$inferInsert)[] = [];
  const loans: (typeof schema.loans.$inferInsert)[] = [];
  const installments: (typeof schema.installments.$inferInsert)[] = [];
  const restorations: (typeof schema.pendingLimitRestorations.$inferInsert)[] = [];
  for (let k = 0; k < loanCount; k++) {
    const userId = newId('usr');
    const lineId = newId('cl');
    const loanId = newId('loan');
    const principalFen = BigInt(100_000 + (k % 40) * 25_000);
    const count = [3, 6, 12][k % 3]!;
    const startDate = addDays(FIRST_DATE, -(k % 60));
    const coolingOff = k % 10 === 9;
    const temporary = k % 25 === 0;
    users.push({
      id: userId,
      openidHash: createHash('sha256').update(`bench-batch:${k}`).digest('hex'),
      tier: 'regular',
      declaredMonthlyIncomeFen: 1_500_000n,
      educationPassedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    const restoringFen = k % 5 === 0 ? 10_000n : 0n;
    lines.push({
      id: lineId,
      userId,
      baseLimitFen: 5_000_000n,
      usedFen: principalFen,
      restoringFen,
      temporaryLimitFen: temporary ? 1_000_000n : 0n,
      temporaryExpiresAt: temporary ? shanghaiMidnight(addDays(FIRST_DATE, k % 30)) : null,
      createdAt: now,
      updatedAt: now,
    });
    if (restoringFen > 0n)
      restorations.push({
        id: newId('rst'),
        creditLineId: lineId,
        loanId,
        amountFen: restoringFen,
        availableOn: addDays(FIRST_DATE, k % 35),
        createdAt: now,
      });
    const base = principalFen / BigInt(count);
    const dues = monthlyDueDates(startDate, count);
    const rows = dues.map((dueDate, i) => ({
      id: newId('inst'),
      loanId,
      number: i + 1,
      dueDate,
      principalFen: base + (i === 0 ? principalFen - base * BigInt(count) : 0n),
      interestFen: principalFen / 100n,
      feeFen: 0n,
    }));
    // Two loans in five paid their first installment (if it was due before the window).
    const firstPaid = k % 5 < 2 && rows[0]!.dueDate < FIRST_DATE;
    if (firstPaid) {
      const r = rows[0]!;
      Object.assign(r, {
        paidPrincipalFen: r.principalFen,
        paidInterestFen: r.interestFen,
        status: 'paid',
        paidAt: now,
      });
    }
    installments.push(...rows);
    loans.push({
      id: loanId,
      userId,
      creditLineId: lineId,
      product: 'cash_loan',
      method: 'equal_installment',
      principalFen,
      termMonths: count,
      installmentsCount: count,
      annualRate: '0.1800000000',
      dailyRate: '0.0004931507',
      monthlyRate: '0.0150000000',
      apr: '0.1800000000',
      totalInterestFen: (principalFen / 100n) * BigInt(count),
      status: coolingOff ? 'cooling_off' : 'active',
      // Cooling-off windows end spread over the window (a day's new cooling-off loans).
      coolingOffUntil: coolingOff ? new Date(now.getTime() + (k % 35) * 86_400_000) : null,
      disbursedAt: coolingOff ? null : now,
      startDate,
      accruedThrough: startDate,
      createdAt: now,
      updatedAt: now,
    });
  }
  await insertChunked(users, (c) => db.insert(schema.users).values(c));
  await insertChunked(lines, (c) => db.insert(schema.creditLines).values(c));
  await insertChunked(loans, (c) => db.insert(schema.loans).values(c));
  await insertChunked(installments, (c) => db.insert(schema.installments).values(c));
  await insertChunked(restorations, (c) => db.insert(schema.pendingLimitRestorations).values(c));
  await db.execute(sql`analyze`);
}

/** Wraps every registered step so its time is summed by name (the batch itself is unchanged). */
function timeSteps(): Map<string, number> {
  const spentMs = new Map<string, number>();
  for (const step of dailySteps()) {
    const run = step.run.bind(step);
    step.run = async (ctx) => {
      const t0 = performance.now();
      try {
        return await run(ctx);
      } finally {
        spentMs.set(step.name, (spentMs.get(step.name) ?? 0) + performance.now() - t0);
      }
    };
  }
  return spentMs;
}

async function main(): Promise<void> {
  const loanCount = arg('--loans', 2_500);
  const days = arg('--days', 35);
  if (!serverTestUrl()) {
    console.log('bench batch: SKIPPED — FENQI_TEST_PG_URL is not set');
    return;
  }
  let database: TestDatabase;
  try {
    database = await createTestDatabase('server', { poolMax: 4 });
  } catch (error) {
    console.log(`bench batch: SKIPPED — no PostgreSQL server (${(error as Error).message.split('\n')[0]})`);
    return;
  }
  try {
    const seedStartedMs = performance.now();
    await seed(database, loanCount);
    const seedMs = performance.now() - seedStartedMs;
    const config = loadConfig({ FENQI_MODE: 'test' });
    const spentMs = timeSteps();
    const perDayMs: number[] = [];
    let summary: Awaited<ReturnType<typeof runDailyBatchFor>> | undefined;
    const totals = new Map<string, number>();
    const cpuBefore = process.cpuUsage();
    for (let d = 0; d < days; d++) {
      const t0 = performance.now();
      summary = await runDailyBatchFor({ database, config }, addDays(FIRST_DATE, d));
      perDayMs.push(performance.now() - t0);
      for (const counts of Object.values(summary.steps))
        for (const [k, v] of Object.entries(counts ?? {})) totals.set(k, (totals.get(k) ?? 0) + v);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerDayMs = (cpu.user + cpu.system) / 1000 / days;
    const totalMs = perDayMs.reduce((a, b) => a + b, 0);
    const sorted = [...perDayMs].sort((a, b) => a - b);
    const perDay = totalMs / days;
    console.log(
      `bench batch (real PostgreSQL, Neon driver through the local proxy): ${loanCount} loans, ${days} business dates from ${FIRST_DATE}`,
    );
    console.log(`  seed: ${(seedMs / 1000).toFixed(1)} s (not timed below)`);
    console.log(
      `  batch: ${(totalMs / 1000).toFixed(2)} s total, ${perDay.toFixed(0)} ms per business day (median ${sorted[Math.floor(days / 2)]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}), ${((perDay / loanCount) * 1000).toFixed(1)} µs per loan per day`,
    );
    console.log(
      `  this process's CPU (driver, proxy, planning): ${cpuPerDayMs.toFixed(0)} ms per business day; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (${cpus().length} cores)`,
    );
    console.log(`  target: < 1000 ms per business day → ${perDay < 1000 ? 'met' : 'NOT met'}`);
    console.log('  per step (ms per day):');
    for (const [name, ms] of [...spentMs].sort((a, b) => b[1] - a[1]))
      console.log(`    ${name.padEnd(26)} ${(ms / days).toFixed(1).padStart(8)}`);
    console.log(
      `  work done over the window: ${[...totals]
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
