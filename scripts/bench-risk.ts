/**
 * Risk benchmark (`npx tsx scripts/bench-risk.ts`, part of `npm run bench`).
 *   A. the pure rule engine (@fenqi/shared `evaluateRisk`) on a busy user's history
 *      (100 logins, 200 withdrawals, 50 attempts, 20 password attempts);
 *   B. the service's risk gate with its database round trips (authorisations, user, recent
 *      risk events, sessions, loans, password attempts, step-ups; then the risk-event insert)
 *      on the embedded PGlite and, when FENQI_TEST_PG_URL is set, on PostgreSQL through the
 *      Neon driver and the local WebSocket proxy.
 * Target (brief: "risk decision within seconds", suspicious withdrawals frozen within 0.8 s;
 * ours): p99 decision latency < 50 ms, measured with the database round trip.
 */
import { cpus, loadavg } from 'node:os';
import { createTestDatabase, schema, serverTestUrl, type TestDatabase, withTransaction } from '@fenqi/db';
import { loadConfig } from '@fenqi/functions';
import { DEFAULT_RISK_POLICY, evaluateRisk, type RiskInput } from '@fenqi/shared';
import { settleRiskWrites } from '../functions/src/risk/detached';
import { evaluateGate } from '../functions/src/risk/gate';

const TARGET_P99_MS = 50;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

function benchEngine(): { p50us: number; p99us: number; n: number } {
  const now = Date.UTC(2026, 10, 28, 4);
  const input: RiskInput = {
    action: 'borrow',
    amountFen: 500_000n,
    nowMs: now,
    accountFrozen: false,
    logins: Array.from({ length: 100 }, (_, i) => ({
      deviceId: `d${i % 3}`,
      atMs: now - i * 90_000,
      location: { latitudeDeg: 31.2 + i * 0.001, longitudeDeg: 121.4 },
    })),
    withdrawals: Array.from({ length: 200 }, (_, i) => ({
      amountFen: BigInt(100_000 + i * 1_000),
      atMs: now - i * 3_600_000,
    })),
    attempts: Array.from({ length: 50 }, (_, i) => ({ atMs: now - i * 120_000 })),
    passwordAttempts: Array.from({ length: 20 }, (_, i) => ({ atMs: now - i * 60_000, ok: i % 4 === 0 })),
    stepUpSatisfied: false,
  };
  for (let i = 0; i < 2_000; i++) evaluateRisk(input, DEFAULT_RISK_POLICY);
  const times: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = performance.now();
    evaluateRisk(input, DEFAULT_RISK_POLICY);
    times.push((performance.now() - t) * 1_000);
  }
  return { p50us: pct(times, 50), p99us: pct(times, 99), n: times.length };
}

async function seed(database: TestDatabase, nowMs: number): Promise<void> {
  await database.db
    .insert(schema.users)
    .values({ id: 'usr_bench', openidHash: 'h_bench', declaredMonthlyIncomeFen: 2_000_000n });
  await database.db
    .insert(schema.creditLines)
    .values({ id: 'cl_bench', userId: 'usr_bench', baseLimitFen: 20_000_000n });
  await database.db.insert(schema.authorizations).values([
    { userId: 'usr_bench', key: 'device_info', granted: true },
    { userId: 'usr_bench', key: 'location', granted: true },
  ]);
  await database.db.insert(schema.loans).values(
    Array.from({ length: 30 }, (_, i) => ({
      id: `loan_bench${i}`,
      userId: 'usr_bench',
      creditLineId: 'cl_bench',
      product: 'cash_loan' as const,
      method: 'equal_installment' as const,
      principalFen: BigInt(100_000 + i * 10_000),
      installmentsCount: 0,
      annualRate: '0.18',
      dailyRate: '0.000493',
      monthlyRate: '0.015',
      apr: '0.18',
      status: 'paid_off' as const,
      startDate: '2026-10-01',
      createdAt: new Date(nowMs - (i + 1) * 86_400_000),
    })),
  );
}

async function benchGate(
  kind: 'pglite' | 'server',
): Promise<{ p50: number; p99: number; max: number; p99Total: number; n: number }> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({ FENQI_MODE: 'test' });
  const start = Date.UTC(2026, 10, 28, 2);
  try {
    await seed(database, start);
    const decision: number[] = [];
    const total: number[] = [];
    const n = 400;
    for (let i = 0; i < n + 50; i++) {
      // one attempt every 2 minutes from three devices: a busy but legitimate user
      const now = new Date(start + i * 120_000);
      const t = performance.now();
      const d = await withTransaction(database, (tx) =>
        evaluateGate(
          {
            action: 'borrow',
            userId: 'usr_bench',
            amountFen: 150_000n,
            now,
            requestId: `req_${i}`,
            deviceId: `dev-${i % 2}`,
            idempotencyKey: `k${i}`,
            location: { latitudeDeg: 31.23, longitudeDeg: 121.47 },
          },
          { tx, database, config },
        ),
      );
      const elapsed = performance.now() - t;
      if (i >= 50) {
        decision.push(d.decisionMs ?? Number.NaN);
        total.push(elapsed);
      }
    }
    await settleRiskWrites();
    return {
      p50: pct(decision, 50),
      p99: pct(decision, 99),
      max: Math.max(...decision),
      p99Total: pct(total, 99),
      n,
    };
  } finally {
    await database.drop();
  }
}

console.log(
  `risk: machine load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores (p99 figures are sensitive to it)`,
);
const engine = benchEngine();
console.log(
  `risk A. pure engine: p50 ${engine.p50us.toFixed(1)} µs, p99 ${engine.p99us.toFixed(1)} µs over ${engine.n} decisions`,
);
for (const kind of ['pglite', ...(serverTestUrl() ? (['server'] as const) : [])] as const) {
  const g = await benchGate(kind);
  const verdict = g.p99 < TARGET_P99_MS ? 'OK' : 'OVER TARGET';
  console.log(
    `risk B. gate with DB (${kind === 'server' ? 'PostgreSQL via Neon driver + WS proxy' : 'PGlite'}): decision p50 ${g.p50.toFixed(2)} ms, p99 ${g.p99.toFixed(2)} ms, max ${g.max.toFixed(2)} ms; with the event insert and commit p99 ${g.p99Total.toFixed(2)} ms; n=${g.n} — target p99 < ${TARGET_P99_MS} ms: ${verdict}`,
  );
}
if (!serverTestUrl()) console.log('risk: FENQI_TEST_PG_URL unset — PostgreSQL variant skipped');
