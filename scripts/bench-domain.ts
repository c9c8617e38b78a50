/**
 * Domain benchmark (`npx tsx scripts/bench-domain.ts`, part of `npm run bench`).
 * Quotes per second and µs per quote for
 *   A. a 36-period equal-installment cash-loan quote with its all-in APR (`quote`: validation,
 *      pricing, exact bigint schedule, IRR with exact tie-breaking, disclosure);
 *   B. a 12-period fee plan (interest-free, flat 0.6 % of principal per period) with its APR;
 * beside a naive float implementation (Math.pow level payment, Math.round per row, float Newton
 * IRR) of the same two workloads, run in the same process. Target: A < 20 µs.
 */
import { loadavg } from 'node:os';
import { buildSchedule, type Decimal, dec, discloseSchedule, quote, rateToWire } from '@fenqi/shared';

const TARGET_US = 20;

/** Five timed rounds of ~300 ms after a warm-up; reports the median round (and the best). */
function bench(
  name: string,
  fn: () => unknown,
): { name: string; usPerOp: number; bestUsPerOp: number; opsPerSec: number } {
  for (let i = 0; i < 3_000; i++) fn(); // warm-up (JIT)
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    let ops = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < 300) {
      for (let i = 0; i < 200; i++) fn();
      ops += 200;
      elapsed = performance.now() - started;
    }
    rounds.push((elapsed * 1_000) / ops);
  }
  rounds.sort((a, b) => a - b);
  const usPerOp = rounds[2] ?? Number.NaN;
  return { name, usPerOp, bestUsPerOp: rounds[0] ?? Number.NaN, opsPerSec: 1e6 / usPerOp };
}

// --- the real thing -------------------------------------------------------------------------
const feeRate = dec('0.006');
const zero = dec('0');
function realCashLoan36(): Decimal {
  const r = quote({
    product: 'cash_loan',
    principalFen: 10_000_000n,
    termMonths: 36,
    method: 'equal_installment',
    startDate: '2026-03-01',
    tier: 'premium',
    creditScore: 800,
  });
  if (!r.ok) throw new Error(r.code);
  return r.value.disclosure.apr;
}
function realFeePlan12(): Decimal {
  const s = buildSchedule({
    principalFen: 1_000_000n,
    method: 'equal_installment',
    annualRate: zero,
    term: { months: 12 },
    startDate: '2026-03-01',
    fee: { kind: 'per_period', rate: feeRate },
  });
  return discloseSchedule(s).apr;
}

// --- naive float version (what not to ship: floats for money) --------------------------------
function naiveIrr(principal: number, payments: number[]): number {
  let i = 0.01;
  for (let k = 0; k < 50; k++) {
    let f = -principal;
    let df = 0;
    for (let t = 0; t < payments.length; t++) {
      const d = (1 + i) ** (t + 1);
      f += (payments[t] ?? 0) / d;
      df -= ((t + 1) * (payments[t] ?? 0)) / (d * (1 + i));
    }
    const next = i - f / df;
    if (Math.abs(next - i) < 1e-12) return next;
    i = next;
  }
  return i;
}
function naiveSchedule(
  principal: number,
  annual: number,
  n: number,
  feePerPeriod: number,
): { apr: number; rows: number[][] } {
  const r = annual / 12;
  const pay = r === 0 ? principal / n : (principal * r) / (1 - (1 + r) ** -n);
  let balance = principal;
  const rows: number[][] = [];
  const payments: number[] = [];
  for (let k = 1; k <= n; k++) {
    const interest = Math.round(balance * r * 100) / 100;
    const princ = k === n ? balance : Math.round((pay - interest) * 100) / 100;
    balance -= princ;
    rows.push([k, princ, interest, feePerPeriod]);
    payments.push(princ + interest + feePerPeriod);
  }
  return { apr: naiveIrr(principal, payments) * 12, rows };
}
const naiveCashLoan36 = () => naiveSchedule(100_000, 0.108, 36, 0).apr;
const naiveFeePlan12 = () => naiveSchedule(10_000, 0, 12, 60).apr;

const results = [
  [bench('36-period equal installment + APR', realCashLoan36), bench('  naive float', naiveCashLoan36)],
  [bench('12-period fee plan + APR', realFeePlan12), bench('  naive float', naiveFeePlan12)],
] as const;

console.log(
  `domain benchmark (@fenqi/shared) — median of 5 rounds; load average ${loadavg()[0]?.toFixed(1)}`,
);
for (const [real, naive] of results) {
  console.log(
    `  ${real.name.padEnd(36)} ${real.opsPerSec.toFixed(0).padStart(9)} quotes/s  ${real.usPerOp.toFixed(2).padStart(7)} µs/quote  (best round ${real.bestUsPerOp.toFixed(2)} µs)`,
  );
  console.log(
    `  ${naive.name.padEnd(36)} ${naive.opsPerSec.toFixed(0).padStart(9)} quotes/s  ${naive.usPerOp.toFixed(2).padStart(7)} µs/quote  (exact / naive time ratio ${(real.usPerOp / naive.usPerOp).toFixed(1)}×)`,
  );
}
const a = results[0][0];
console.log(
  `  target: 36-period quote with APR < ${TARGET_US} µs → ${a.usPerOp < TARGET_US ? 'met' : 'NOT met'} (median ${a.usPerOp.toFixed(2)} µs, best ${a.bestUsPerOp.toFixed(2)} µs)`,
);
console.log(
  `  sanity: fee plan APR exact ${rateToWire(realFeePlan12())}, naive float ${naiveFeePlan12().toFixed(6)}`,
);
