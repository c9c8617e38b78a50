import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSchedule,
  computeApr,
  dec,
  discloseSchedule,
  npvSign,
  rateToWire,
  type Schedule,
  scheduleCashFlows,
  schedulePeriodsPerYear,
} from '../index';

/**
 * Independent IRR for the test: bisection on the annual rate in millionths, evaluating the NPV
 * with exact fractions written out here (not the library's npvSign). Returns the APR in units of
 * 1e-9 (floor), so comparisons have three more digits than the disclosure.
 */
function referenceAprNano(s: Schedule): bigint {
  const ppy = schedulePeriodsPerYear(s);
  const flows = scheduleCashFlows(s);
  const n = Math.max(...flows.map((f) => f.period));
  // NPV > 0 at annual rate a/1e9 ?  periodic i = a·den / (1e9·num)
  const positive = (a: bigint): boolean => {
    const num = a * ppy.den; // i = num / den2
    const den2 = 1_000_000_000n * ppy.num;
    // Σ amt_k / (1+i)^k − P  with (1+i) = (den2+num)/den2 → multiply by (den2+num)^n
    let total = -s.principalFen * (den2 + num) ** BigInt(n);
    for (const f of flows)
      total += f.amountFen * den2 ** BigInt(f.period) * (den2 + num) ** BigInt(n - f.period);
    return total > 0n;
  };
  let lo = 0n;
  let hi = 10_000_000_000n; // 1000 %
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (positive(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe('APR', () => {
  it('flat 0.6 %/month fee over 12 months discloses ≈ 13.03 %, not the nominal 7.2 %', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'equal_installment',
      annualRate: dec('0'),
      term: { months: 12 },
      startDate: '2026-01-01',
      fee: { kind: 'per_period', rate: dec('0.006') },
    });
    const d = discloseSchedule(s);
    expect(rateToWire(d.apr).slice(0, 6)).toBe('0.1303');
    expect(rateToWire(d.monthlyRate)).toBe('0.010862');
  });

  it('interest-only plans disclose the nominal rate: ¥1,000 for 7 days at 0.05 %/day → 18.25 %, daily 0.0005', () => {
    const s = buildSchedule({
      principalFen: 100_000n,
      method: 'single_payment',
      annualRate: dec('0.1825'),
      term: { days: 7 },
      startDate: '2026-01-01',
    });
    const d = discloseSchedule(s);
    expect(rateToWire(d.apr)).toBe('0.1825');
    expect(rateToWire(d.dailyRate)).toBe('0.0005');
    expect(rateToWire(d.monthlyRate)).toBe('0.015208');
  });

  it('exact ties round half-up through the rational check: 1 fen on ¥20,000 for a year is 0.0000005 → 0.000001', () => {
    const apr = (costFen: bigint) =>
      computeApr({
        principalFen: 2_000_000n,
        payments: [{ period: 1, amountFen: 2_000_000n + costFen }],
        periodsPerYear: { num: 1n, den: 1n },
      }).units;
    expect(apr(1n)).toBe(1n);
    expect(apr(3n)).toBe(2n);
    expect(apr(5n)).toBe(3n);
    // just below a tie stays down: 0.4999995e-6 cannot be produced with whole fen here, so use 2,000,001 fen principal
    expect(
      computeApr({
        principalFen: 2_000_001n,
        payments: [{ period: 1, amountFen: 2_000_002n }],
        periodsPerYear: { num: 1n, den: 1n },
      }).units,
    ).toBe(0n);
  });

  it('zero-interest, zero-fee plan discloses 0', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'equal_installment',
      annualRate: dec('0'),
      term: { months: 12 },
      startDate: '2026-01-01',
    });
    expect(rateToWire(discloseSchedule(s).apr)).toBe('0');
  });

  it('equal_installment at 12 % nominal: IRR × 12 equals 12 % within a fen-rounding hair', () => {
    const s = buildSchedule({
      principalFen: 10_000_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 36 },
      startDate: '2026-01-01',
    });
    const apr = discloseSchedule(s).apr; // 6 places
    expect(apr.scale).toBe(6);
    const diff = apr.units - 120_000n;
    expect(diff >= -2n && diff <= 2n).toBe(true); // within 0.000002 of 12 %
  });

  it('npvSign brackets the disclosed APR: positive half a millionth below, negative half a millionth above', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'equal_installment',
      annualRate: dec('0'),
      term: { months: 12 },
      startDate: '2026-01-01',
      fee: { kind: 'per_period', rate: dec('0.0075') },
    });
    const apr = discloseSchedule(s).apr; // 6 places
    const input = {
      principalFen: s.principalFen,
      payments: scheduleCashFlows(s),
      periodsPerYear: { num: 12n, den: 1n },
    };
    // periodic = (apr ∓ 0.0000005) / 12 = (2·units ∓ 1) / (2e6 · 12)
    expect(npvSign(input, { num: apr.units * 2n - 1n, den: 24_000_000n })).toBe(1);
    expect(npvSign(input, { num: apr.units * 2n + 1n, den: 24_000_000n })).toBe(-1);
  });

  const planArb = fc.record({
    principalFen: fc.bigInt({ min: 50_000n, max: 20_000_000n }),
    method: fc.constantFrom(
      'equal_installment',
      'equal_principal',
      'interest_first',
      'daily',
    ) as fc.Arbitrary<'equal_installment' | 'equal_principal' | 'interest_first' | 'daily'>,
    rateBp: fc.integer({ min: 0, max: 2400 }),
    months: fc.integer({ min: 1, max: 36 }),
    feeBp: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
    feeKind: fc.constantFrom('per_period', 'total') as fc.Arbitrary<'per_period' | 'total'>,
  });

  it('recomputing the IRR from the returned cash flows reproduces the disclosed APR within 1 bp (in fact within 0.5e-6)', () => {
    fc.assert(
      fc.property(planArb, (x) => {
        const s = buildSchedule({
          principalFen: x.principalFen,
          method: x.method,
          annualRate: dec((x.rateBp / 10_000).toFixed(4)),
          term: { months: x.months },
          startDate: '2026-03-31',
          ...(x.feeBp ? { fee: { kind: x.feeKind, rate: dec((x.feeBp / 10_000).toFixed(4)) } } : {}),
        });
        const apr = discloseSchedule(s).apr;
        expect(apr.scale).toBe(6);
        const nano = referenceAprNano(s);
        const disclosedNano = apr.units * 1000n;
        const diff = disclosedNano > nano ? disclosedNano - nano : nano - disclosedNano;
        expect(diff <= 10_000n).toBe(true); // 1 bp = 0.0001 = 100,000 nano; rounding bound 501 nano
        expect(diff <= 501n).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('APR of day-counted single payments is (interest / principal) × 365 / days, half-up to 6 places', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 50_000n, max: 20_000_000n }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 7, max: 30 }),
        (P, dailyBp10, days) => {
          const daily = dec((dailyBp10 / 100_000).toFixed(5));
          const annual = { units: daily.units * 365n, scale: daily.scale };
          const s = buildSchedule({
            principalFen: P,
            method: 'single_payment',
            annualRate: annual,
            term: { days },
            startDate: '2026-01-01',
          });
          const interest = s.totalInterestFen;
          const apr = computeApr({
            principalFen: P,
            payments: scheduleCashFlows(s),
            periodsPerYear: { num: 365n, den: BigInt(days) },
          });
          // exact: interest·365 / (P·days), half-up to 1e-6
          const num = interest * 365n * 1_000_000n;
          const den = P * BigInt(days);
          const q = num / den;
          const expected = (num - q * den) * 2n >= den ? q + 1n : q;
          expect(apr.units).toBe(expected);
        },
      ),
    );
  });
});
