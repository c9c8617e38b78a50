import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSchedule,
  dec,
  type Installment,
  levelPaymentFen,
  type RepaymentMethod,
  type Schedule,
} from '../index';

type Row = [
  number: number,
  dueDate: string,
  principalFen: number,
  interestFen: number,
  amountFen: number,
  balanceAfterFen: number,
];

function rows(s: Schedule): Row[] {
  return s.installments.map((i: Installment) => [
    i.number,
    i.dueDate,
    Number(i.principalFen),
    Number(i.interestFen),
    Number(i.amountFen),
    Number(i.balanceAfterFen),
  ]);
}

// Expected tables computed independently (Python fractions, half-up to the fen).
describe('per-installment tables', () => {
  it('equal_installment ¥12,000 at 12% for 12 months from Jan 31: level 1,066.19, month-end due dates, last absorbs rounding', () => {
    const s = buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-31',
    });
    expect(rows(s)).toEqual([
      [1, '2026-02-28', 94619, 12000, 106619, 1105381],
      [2, '2026-03-31', 95565, 11054, 106619, 1009816],
      [3, '2026-04-30', 96521, 10098, 106619, 913295],
      [4, '2026-05-31', 97486, 9133, 106619, 815809],
      [5, '2026-06-30', 98461, 8158, 106619, 717348],
      [6, '2026-07-31', 99446, 7173, 106619, 617902],
      [7, '2026-08-31', 100440, 6179, 106619, 517462],
      [8, '2026-09-30', 101444, 5175, 106619, 416018],
      [9, '2026-10-31', 102459, 4160, 106619, 313559],
      [10, '2026-11-30', 103483, 3136, 106619, 210076],
      [11, '2026-12-31', 104518, 2101, 106619, 105558],
      [12, '2027-01-31', 105558, 1056, 106614, 0],
    ]);
    expect(s.totalInterestFen).toBe(79423n);
    expect(s.totalFen).toBe(1_279_423n);
  });

  it('equal_installment ¥100,000 at 7.2% for 36 months: last three rows, last pays 3,096.94', () => {
    const s = buildSchedule({
      principalFen: 10_000_000n,
      method: 'equal_installment',
      annualRate: dec('0.072'),
      term: { months: 36 },
      startDate: '2026-03-10',
    });
    expect(rows(s).slice(-3)).toEqual([
      [34, '2029-01-10', 304178, 5508, 309686, 613850],
      [35, '2029-02-10', 306003, 3683, 309686, 307847],
      [36, '2029-03-10', 307847, 1847, 309694, 0],
    ]);
  });

  it('equal_principal ¥12,000 at 12% for 12 months: 1,000 principal each, interest falls by 10', () => {
    const s = buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_principal',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-31',
    });
    expect(rows(s).slice(0, 2)).toEqual([
      [1, '2026-02-28', 100000, 12000, 112000, 1100000],
      [2, '2026-03-31', 100000, 11000, 111000, 1000000],
    ]);
    expect(rows(s)[11]).toEqual([12, '2027-01-31', 100000, 1000, 101000, 0]);
  });

  it('equal_principal ¥10,000.01 at 18.25% for 3 months: first installments carry the extra fen', () => {
    const s = buildSchedule({
      principalFen: 1_000_001n,
      method: 'equal_principal',
      annualRate: dec('0.1825'),
      term: { months: 3 },
      startDate: '2026-05-20',
    });
    expect(rows(s)).toEqual([
      [1, '2026-06-20', 333334, 15208, 348542, 666667],
      [2, '2026-07-20', 333334, 10139, 343473, 333333],
      [3, '2026-08-20', 333333, 5069, 338402, 0],
    ]);
  });

  it('interest_first ¥10,000 at 10.8% for 6 months: 90.00 interest monthly, principal with the last', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'interest_first',
      annualRate: dec('0.108'),
      term: { months: 6 },
      startDate: '2026-08-31',
    });
    expect(rows(s)).toEqual([
      [1, '2026-09-30', 0, 9000, 9000, 1000000],
      [2, '2026-10-31', 0, 9000, 9000, 1000000],
      [3, '2026-11-30', 0, 9000, 9000, 1000000],
      [4, '2026-12-31', 0, 9000, 9000, 1000000],
      [5, '2027-01-31', 0, 9000, 9000, 1000000],
      [6, '2027-02-28', 1000000, 9000, 1009000, 0],
    ]);
  });

  it('single_payment ¥1,000 at 18.25% (0.05%/day) for 7 days: one payment of 1,003.50', () => {
    const s = buildSchedule({
      principalFen: 100_000n,
      method: 'single_payment',
      annualRate: dec('0.1825'),
      term: { days: 7 },
      startDate: '2026-02-25',
    });
    expect(rows(s)).toEqual([[1, '2026-03-04', 100000, 350, 100350, 0]]);
    expect(s.aprPeriod).toEqual({ unit: 'days', days: 7 });
  });

  it('daily ¥3,000 at 18.25% for 3 months from Jan 15: interest by actual days (31, 28, 31)', () => {
    const s = buildSchedule({
      principalFen: 300_000n,
      method: 'daily',
      annualRate: dec('0.1825'),
      term: { months: 3 },
      startDate: '2026-01-15',
    });
    expect(rows(s)).toEqual([
      [1, '2026-02-15', 100000, 4650, 104650, 200000],
      [2, '2026-03-15', 100000, 2800, 102800, 100000],
      [3, '2026-04-15', 100000, 1550, 101550, 0],
    ]);
  });

  it('zero-interest education installment ¥10,000.00 over 12 periods: 833.34 × 4 then 833.33 × 8, no interest', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'equal_installment',
      annualRate: dec('0'),
      term: { months: 12 },
      startDate: '2026-01-01',
    });
    expect(s.installments.map((i) => i.amountFen)).toEqual([
      ...Array(4).fill(83334n),
      ...Array(8).fill(83333n),
    ]);
    expect(s.totalInterestFen).toBe(0n);
  });

  it('flat 0.6% fee per period on ¥10,000 over 12 periods: 60.00 fee with every installment', () => {
    const s = buildSchedule({
      principalFen: 1_000_000n,
      method: 'equal_installment',
      annualRate: dec('0'),
      term: { months: 12 },
      startDate: '2026-01-01',
      fee: { kind: 'per_period', rate: dec('0.006') },
    });
    expect(s.installments.every((i) => i.feeFen === 6000n)).toBe(true);
    expect(s.totalFeeFen).toBe(72_000n);
  });

  it('total 2% fee on ¥1,000.01 over 12 periods: 20.00 split 1.67 × 8, 1.66 × 4', () => {
    const s = buildSchedule({
      principalFen: 100_001n,
      method: 'equal_installment',
      annualRate: dec('0.1'),
      term: { months: 12 },
      startDate: '2026-01-01',
      fee: { kind: 'total', rate: dec('0.02') },
    });
    expect(s.installments.map((i) => i.feeFen)).toEqual([...Array(8).fill(167n), ...Array(4).fill(166n)]);
    expect(s.totalFeeFen).toBe(2000n);
  });

  it('broken first period: start Jan 5, due day 20 → first due Jan 20 (15 days), interest 15/30 of a month', () => {
    const s = buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_principal',
      annualRate: dec('0.12'),
      term: { months: 3 },
      startDate: '2026-01-05',
      dueDayOfMonth: 20,
    });
    expect(s.installments.map((i) => [i.dueDate, Number(i.interestFen)])).toEqual([
      ['2026-01-20', 6000],
      ['2026-02-20', 8000],
      ['2026-03-20', 4000],
    ]);
  });

  it('broken first period: start Jan 10, due day 20 → Jan 20 is too close (10 days), first due Feb 20 (41 days)', () => {
    const s = buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_principal',
      annualRate: dec('0.12'),
      term: { months: 3 },
      startDate: '2026-01-10',
      dueDayOfMonth: 20,
    });
    expect(s.installments[0]?.dueDate).toBe('2026-02-20');
    expect(s.installments[0]?.interestFen).toBe(16_400n);
  });
});

const methodArb = fc.constantFrom<RepaymentMethod>(
  'equal_installment',
  'equal_principal',
  'interest_first',
  'daily',
  'single_payment',
);
const rateArb = fc.integer({ min: 0, max: 2400 }).map((bp) => dec((bp / 10_000).toFixed(4)));
const dateArb = fc
  .integer({ min: 0, max: 3650 })
  .map((d) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
const scheduleArb = fc.record({
  principalFen: fc.bigInt({ min: 10_000n, max: 50_000_000n }),
  method: methodArb,
  annualRate: rateArb,
  months: fc.integer({ min: 1, max: 36 }),
  startDate: dateArb,
  dueDay: fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
});

describe('schedule properties', () => {
  it('principal parts sum exactly to the principal and the balance ends at zero (every method, 1–36 months)', () => {
    fc.assert(
      fc.property(scheduleArb, (x) => {
        const s = buildSchedule({
          principalFen: x.principalFen,
          method: x.method,
          annualRate: x.annualRate,
          term: { months: x.months },
          startDate: x.startDate,
          ...(x.dueDay ? { dueDayOfMonth: x.dueDay } : {}),
        });
        const sum = s.installments.reduce((t, i) => t + i.principalFen, 0n);
        expect(sum).toBe(x.principalFen);
        expect(s.installments.at(-1)?.balanceAfterFen).toBe(0n);
        let balance = x.principalFen;
        for (const i of s.installments) {
          expect(i.principalFen >= 0n && i.interestFen >= 0n).toBe(true);
          balance -= i.principalFen;
          expect(i.balanceAfterFen).toBe(balance);
          expect(i.amountFen).toBe(i.principalFen + i.interestFen + i.feeFen);
        }
        expect(s.totalFen).toBe(x.principalFen + s.totalInterestFen + s.totalFeeFen);
      }),
      { numRuns: 400 },
    );
  });

  it('day terms 7–365 days: one installment, principal + round_half_up(P × annual × days / 365)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10_000n, max: 50_000_000n }),
        rateArb,
        fc.integer({ min: 7, max: 365 }),
        (P, rate, days) => {
          const s = buildSchedule({
            principalFen: P,
            method: 'single_payment',
            annualRate: rate,
            term: { days },
            startDate: '2026-01-01',
          });
          expect(s.installments).toHaveLength(1);
          const exact = P * rate.units * BigInt(days);
          const den = 365n * 10n ** BigInt(rate.scale);
          const interest = s.installments[0]?.interestFen ?? -1n;
          // |interest − exact/den| ≤ 1/2 fen
          expect(2n * (interest * den - exact) <= den && 2n * (exact - interest * den) < den).toBe(true);
        },
      ),
    );
  });

  it('equal_installment payments are equal except the last (which differs only by absorbed rounding)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 50_000n, max: 50_000_000n }),
        rateArb,
        fc.integer({ min: 2, max: 36 }),
        (P, rate, n) => {
          const s = buildSchedule({
            principalFen: P,
            method: 'equal_installment',
            annualRate: rate,
            term: { months: n },
            startDate: '2026-01-31',
          });
          const amounts = s.installments.map((i) => i.amountFen);
          const head = amounts.slice(0, -1);
          const max = head.reduce((a, b) => (a > b ? a : b));
          const min = head.reduce((a, b) => (a < b ? a : b));
          expect(max - min <= 1n).toBe(true);
          if (rate.units > 0n) expect(max).toBe(levelPaymentFen(P, rate, n));
          // the last differs from the level payment by at most the accumulated half-fen roundings
          const last = amounts.at(-1) ?? 0n;
          const diff = last > max ? last - max : max - last;
          expect(diff <= BigInt(n)).toBe(true);
        },
      ),
    );
  });
});
