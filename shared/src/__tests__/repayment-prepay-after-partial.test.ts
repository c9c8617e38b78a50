/**
 * A prepayment after part of the same installment was already paid early (issue #5 gap): the
 * interest and fees paid early are credited, the rest of the principal is re-amortized over the
 * remaining installments, and every fen is accounted for (docs/repayment-rules.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accruedInterestFen,
  addDays,
  applyPayment,
  buildSchedule,
  daysBetween,
  dec,
  divRound,
  installmentPaymentFen,
  isPaid,
  type Loan,
  type LoanInstallment,
  openLoan,
  outstandingOf,
  outstandingTotal,
  type PaymentOutcome,
  payoffQuote,
  remainingPrincipalFen,
} from '../index';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; code: string }): T {
  if (!r.ok) throw new Error(`unexpected refusal ${r.code}`);
  return r.value;
}

/** ¥12,000 at 12 % a year over 12 months from 2026-01-15, equal installments, 2 % total fee (20.00 a month). */
function loan12Fee(): Loan {
  return openLoan(
    buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-15',
      fee: { kind: 'total', rate: dec('0.02') },
    }),
  );
}

const inst = (l: Loan, n: number): LoanInstallment => {
  const i = l.installments.find((x) => x.number === n);
  if (!i) throw new Error(`no installment ${n}`);
  return i;
};

const sum = (xs: readonly bigint[]): bigint => xs.reduce((t, x) => t + x, 0n);
const allocated = (o: PaymentOutcome): bigint =>
  sum(o.allocations.map((a) => a.penaltyFen + a.feeFen + a.interestFen + a.principalFen));
const netPaid = (l: Loan): bigint =>
  sum(l.installments.map((i) => i.paidPrincipalFen + i.paidInterestFen + i.paidFeeFen + i.paidPenaltyFen));
const charged = (l: Loan) => ({
  principalFen: sum(l.installments.map((i) => i.principalFen)),
  interestFen: sum(l.installments.map((i) => i.interestFen + i.graceInterestFen)),
  feeFen: sum(l.installments.map((i) => i.feeFen)),
  penaltyFen: sum(l.installments.map((i) => i.penaltyFen)),
});

/** Pays every remaining installment on its due date; returns the closed loan and the money paid. */
function payOnDueDates(loan: Loan): { loan: Loan; paidFen: bigint } {
  let l = loan;
  let paidFen = 0n;
  for (const i of loan.installments) {
    if (l.closedOn !== null) break;
    if (isPaid(inst(l, i.number))) continue;
    const amountFen = installmentPaymentFen(l, i.dueDate);
    const out = unwrap(applyPayment(l, { amountFen, asOf: i.dueDate }));
    expect(out.toCreditFen).toBe(0n);
    paidFen += amountFen;
    l = out.loan;
  }
  return { loan: l, paidFen };
}

describe('prepayment after a partial early payment of the same installment — worked example', () => {
  // ¥12,000, 12 %, 12 months from 2026-01-15; installment 1 (due 2026-02-15, 31 days) owes
  // principal 946.19 + interest 120.00 + fee 20.00.
  it('2026-01-20 pays 100.00 early (fee 20.00, interest 80.00); 2026-01-25 prepays 3,000.00', () => {
    const l = loan12Fee();
    expect([inst(l, 1).principalFen, inst(l, 1).interestFen, inst(l, 1).feeFen]).toEqual([
      94_619n,
      12_000n,
      2_000n,
    ]);
    const part = unwrap(applyPayment(l, { amountFen: 10_000n, asOf: '2026-01-20' }));
    expect(part.kind).toBe('partial');
    expect(part.allocations).toEqual([
      { number: 1, penaltyFen: 0n, feeFen: 2_000n, interestFen: 8_000n, principalFen: 0n },
    ]);

    const pre = unwrap(applyPayment(part.loan, { amountFen: 300_000n, asOf: '2026-01-25' }));
    expect(pre.kind).toBe('prepayment');
    // Earned by 2026-01-25 (10 of 31 days): round_half_up(12,000 × 10 / 31 = 3,870.97) = 3,871.
    expect(accruedInterestFen(inst(l, 1), '2026-01-25')).toBe(3_871n);
    // Credited: 80.00 interest paid − 38.71 earned = 41.29, plus the 20.00 fee → rebate 61.29.
    expect(pre.rebateFen).toBe(4_129n + 2_000n);
    // Principal cut = 3,000.00 + 80.00 + 20.00 − 38.71 = 3,061.29; no new interest to pay today.
    expect(pre.allocations).toEqual([
      { number: 1, penaltyFen: 0n, feeFen: 0n, interestFen: 0n, principalFen: 306_129n },
    ]);
    expect(allocated(pre)).toBe(300_000n + pre.rebateFen);
    expect(pre.principalPaidFen).toBe(306_129n);
    expect(pre.toCreditFen).toBe(0n);
    const after = pre.loan;
    expect(remainingPrincipalFen(after)).toBe(1_200_000n - 306_129n); // 893,871

    // Re-amortized on 8,938.71 over 12 months at 1 %: level payment 794.19; first month's
    // interest round_half_up(893,871 × 1 %) = 8,939.
    const one = inst(after, 1);
    expect(one.paidInterestFen).toBe(3_871n); // the earned part, paid
    // 38.71 earned + round_half_up(8,939 × 21 / 31 = 6,055.45) = 60.55 for the remaining 21 days.
    expect(one.interestFen).toBe(3_871n + 6_055n);
    expect(one.principalFen - one.paidPrincipalFen).toBe(79_419n - 8_939n); // 704.80
    expect(one.paidPrincipalFen).toBe(306_129n);
    expect([one.feeFen, one.paidFeeFen]).toEqual([1_490n, 0n]); // round_half_up(2,000 × 893,871 / 1,200,000 = 1,489.79)
    expect(outstandingTotal(one)).toBe(70_480n + 6_055n + 1_490n); // 780.25 due 2026-02-15
    expect(inst(after, 2).principalFen + inst(after, 2).interestFen).toBe(79_419n);
    expect(inst(after, 2).feeFen).toBe(1_490n);
    expect(inst(after, 12).dueDate).toBe('2027-01-15');
    // Lowered: was 1,066.19 + 20.00 a month.
    expect(outstandingTotal(inst(after, 2))).toBeLessThan(outstandingTotal(inst(l, 2)));

    // Same as prepaying 3,100.00 at once on 2026-01-25 (the early payment reached no principal).
    const once = unwrap(applyPayment(l, { amountFen: 310_000n, asOf: '2026-01-25' }));
    expect(once.loan.installments).toEqual(after.installments);

    // Paying the rest on the due dates: every fen accounted for.
    const rest = payOnDueDates(after);
    expect(rest.loan.closedOn).toBe('2027-01-15');
    const total = 10_000n + 300_000n + rest.paidFen;
    const c = charged(rest.loan);
    expect(c).toEqual({ principalFen: 1_200_000n, interestFen: 60_150n, feeFen: 17_880n, penaltyFen: 0n });
    expect(total).toBe(1_200_000n + 60_150n + 17_880n); // 1,278,030
    expect(netPaid(rest.loan)).toBe(total);
    // Original schedule: 12 × 1,066.19 (rounded) + 240.00 fees.
    const original = charged(l);
    expect(total).toBeLessThan(original.principalFen + original.interestFen + original.feeFen);
  });

  it('a payoff right after the prepayment gives nothing back twice: it costs principal only and closes the loan', () => {
    const l = loan12Fee();
    const part = unwrap(applyPayment(l, { amountFen: 10_000n, asOf: '2026-01-20' })).loan;
    const pre = unwrap(applyPayment(part, { amountFen: 300_000n, asOf: '2026-01-25' })).loan;
    const q = payoffQuote(pre, '2026-01-25');
    // Interest earned by 2026-01-25 (38.71 on the old balance) was settled by the prepayment:
    // nothing more is earned that day and nothing paid comes back.
    expect(inst(pre, 1).settledInterestFen).toBe(3_871n);
    expect(inst(pre, 1).settledOn).toBe('2026-01-25');
    expect([q.interestFen, q.rebateFen, q.feeFen]).toEqual([0n, 0n, 0n]);
    expect(q.amountFen).toBe(893_871n);
    const off = unwrap(applyPayment(pre, { amountFen: q.amountFen, asOf: '2026-01-25' }));
    expect(off.loan.closedOn).toBe('2026-01-25');
    expect(off.rebateFen).toBe(0n);
    const total = 10_000n + 300_000n + q.amountFen;
    const c = charged(off.loan);
    expect(total).toBe(c.principalFen + c.interestFen + c.feeFen);
    expect([c.interestFen, c.feeFen]).toEqual([3_871n, 0n]);
  });

  it('a payoff ten days after the prepayment: settled interest + the new balance interest for ten of 21 days', () => {
    const l = loan12Fee();
    const part = unwrap(applyPayment(l, { amountFen: 10_000n, asOf: '2026-01-20' })).loan;
    const pre = unwrap(applyPayment(part, { amountFen: 300_000n, asOf: '2026-01-25' })).loan;
    // 38.71 + round_half_up(60.55 × 10 / 21 = 28.83) = 67.54, of which 38.71 is already paid.
    expect(accruedInterestFen(inst(pre, 1), '2026-02-04')).toBe(3_871n + 2_883n);
    const q = payoffQuote(pre, '2026-02-04');
    expect([q.interestFen, q.rebateFen]).toEqual([2_883n, 0n]);
    expect(q.amountFen).toBe(893_871n + 2_883n);
  });

  it('a partial payment that reaches principal, then a prepayment: principal paid early is carried', () => {
    const l = loan12Fee();
    // 200.00 early: fee 20.00, interest 120.00, principal 60.00.
    const part = unwrap(applyPayment(l, { amountFen: 20_000n, asOf: '2026-01-20' }));
    expect(part.allocations[0]?.principalFen).toBe(6_000n);
    const pre = unwrap(applyPayment(part.loan, { amountFen: 300_000n, asOf: '2026-01-20' }));
    // Earned by 2026-01-20 (5 of 31 days): round_half_up(12,000 × 5 / 31 = 1,935.48) = 1,935;
    // cut = 3,000.00 + 120.00 + 20.00 − 19.35 = 3,120.65.
    expect(pre.rebateFen).toBe(12_000n - 1_935n + 2_000n);
    expect(pre.allocations).toEqual([
      { number: 1, penaltyFen: 0n, feeFen: 0n, interestFen: 0n, principalFen: 312_065n },
    ]);
    expect(remainingPrincipalFen(pre.loan)).toBe(1_200_000n - 6_000n - 312_065n); // 881,935
    expect(inst(pre.loan, 1).paidPrincipalFen).toBe(6_000n + 312_065n);
    // Fees scale on the unpaid principal before the prepayment (1,194,000):
    // round_half_up(2,000 × 881,935 / 1,194,000 = 1,477.28) = 1,477.
    expect(inst(pre.loan, 2).feeFen).toBe(1_477n);
  });
});

const methodArb = fc.constantFrom(
  'equal_installment',
  'equal_principal',
  'interest_first',
  'daily',
  'single_payment',
) as fc.Arbitrary<'equal_installment' | 'equal_principal' | 'interest_first' | 'daily' | 'single_payment'>;

const caseArb = fc.record({
  principalFen: fc.bigInt({ min: 50_000n, max: 5_000_000n }),
  method: methodArb,
  rateBp: fc.integer({ min: 0, max: 2400 }),
  months: fc.integer({ min: 1, max: 12 }),
  days: fc.integer({ min: 10, max: 60 }),
  fee: fc.boolean(),
  /** Days into the first period of the partial payment and of the prepayment (fractions of it). */
  partialAt: fc.double({ min: 0, max: 0.95, noNaN: true }),
  prepayLater: fc.double({ min: 0, max: 1, noNaN: true }),
  /** Partial: share of installment 1's outstanding amount; prepayment: share of the room up to the payoff. */
  partialShare: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
  prepayShare: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(x: Case): Loan {
  const days = x.method === 'single_payment' || x.method === 'daily';
  return openLoan(
    buildSchedule({
      principalFen: x.principalFen,
      method: x.method,
      annualRate: dec((x.rateBp / 10_000).toFixed(4)),
      term: days && x.method === 'single_payment' ? { days: x.days } : { months: x.months },
      startDate: '2026-01-31',
      ...(x.fee ? { fee: { kind: 'total' as const, rate: dec('0.015') } } : {}),
    }),
  );
}

const share = (fen: bigint, s: number): bigint => (fen * BigInt(Math.round(s * 1_000_000))) / 1_000_000n;

/** The scenario: a partial early payment of installment 1, then a prepayment in the same period. */
function scenario(x: Case) {
  const l = build(x);
  const first = inst(l, 1);
  const periodDays = daysBetween(first.periodStartDate, first.dueDate);
  const d1 = addDays(first.periodStartDate, Math.floor(x.partialAt * (periodDays - 1)));
  const d2 = addDays(d1, Math.floor(x.prepayLater * (daysBetween(d1, first.dueDate) - 1)));
  const partialFen = share(outstandingTotal(first), x.partialShare);
  if (partialFen <= 0n) return undefined;
  const part = unwrap(applyPayment(l, { amountFen: partialFen, asOf: d1 }));
  if (part.kind !== 'partial') return undefined;
  // The prepayment: more than what is left of installment 1, less than the payoff.
  const left = outstandingTotal(inst(part.loan, 1));
  const payoff = payoffQuote(part.loan, d2).amountFen;
  if (payoff - left < 2n) return undefined;
  const prepayFen = left + 1n + share(payoff - left - 2n, x.prepayShare);
  const pre = unwrap(applyPayment(part.loan, { amountFen: prepayFen, asOf: d2 }));
  return { l, part, pre, partialFen, prepayFen, d1, d2 };
}

describe('prepayment after a partial early payment — properties', () => {
  it('is a prepayment, allocations = money + rebate, and nothing is negative', () => {
    fc.assert(
      fc.property(caseArb, (x) => {
        const s = scenario(x);
        if (!s) return;
        expect(s.pre.kind).toBe('prepayment');
        expect(s.pre.rebateFen >= 0n).toBe(true);
        expect(allocated(s.pre)).toBe(s.prepayFen + s.pre.rebateFen);
        // Credited: the rebate is exactly the early interest beyond what was earned, plus early fees.
        const early = inst(s.part.loan, 1);
        const earned = accruedInterestFen(inst(s.l, 1), s.d2);
        const overpaid = early.paidInterestFen > earned ? early.paidInterestFen - earned : 0n;
        expect(s.pre.rebateFen).toBe(overpaid + early.paidFeeFen);
        expect(netPaid(s.pre.loan)).toBe(s.partialFen + s.prepayFen);
        for (const i of s.pre.loan.installments) {
          const o = outstandingOf(i);
          expect(i.principalFen >= 0n && i.interestFen >= 0n && i.feeFen >= 0n).toBe(true);
          expect(o.principalFen >= 0n && o.interestFen >= 0n && o.feeFen >= 0n && o.penaltyFen >= 0n).toBe(
            true,
          );
        }
        expect(remainingPrincipalFen(s.pre.loan) > 0n).toBe(true);
        expect(charged(s.pre.loan).principalFen).toBe(x.principalFen);
        // Lowered: no later installment owes more than before.
        for (const i of s.pre.loan.installments.slice(1))
          expect(outstandingTotal(i) <= outstandingTotal(inst(s.l, i.number))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('conservation: paid over the life = principal + interest + fees charged, never more than the schedule', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), (x, payOffAtOnce) => {
        const s = scenario(x);
        if (!s) return;
        let rest: { loan: Loan; paidFen: bigint };
        if (payOffAtOnce) {
          // Or pay off on the day of the prepayment (the rebate must not be given twice).
          const q = payoffQuote(s.pre.loan, s.d2);
          expect([q.interestFen, q.rebateFen]).toEqual([0n, 0n]); // settled by the prepayment
          const off = unwrap(applyPayment(s.pre.loan, { amountFen: q.amountFen, asOf: s.d2 }));
          rest = { loan: off.loan, paidFen: q.amountFen };
        } else rest = payOnDueDates(s.pre.loan);
        expect(rest.loan.closedOn).not.toBeNull();
        let principal = 0n;
        for (const i of rest.loan.installments) {
          principal += i.paidPrincipalFen;
          expect(principal <= x.principalFen).toBe(true); // remaining principal never negative
        }
        const total = s.partialFen + s.prepayFen + rest.paidFen;
        const c = charged(rest.loan);
        expect(c.penaltyFen).toBe(0n);
        expect(total).toBe(c.principalFen + c.interestFen + c.feeFen);
        expect(netPaid(rest.loan)).toBe(total);
        const original = charged(s.l);
        expect(c.interestFen <= original.interestFen).toBe(true);
        expect(c.feeFen <= original.feeFen).toBe(true);
        expect(total <= original.principalFen + original.interestFen + original.feeFen).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('partial-then-prepay on one day equals the documented result: one prepayment of the sum, fees on the smaller base', () => {
    fc.assert(
      fc.property(caseArb, (x) => {
        const s0 = scenario({ ...x, prepayLater: 0 });
        if (!s0) return;
        const { l, part, pre, partialFen, prepayFen, d1 } = s0;
        const once = unwrap(applyPayment(l, { amountFen: partialFen + prepayFen, asOf: d1 }));
        expect(once.kind).toBe('prepayment');
        expect(once.principalPaidFen + (once.allocations[0]?.interestFen ?? 0n)).toBe(partialFen + prepayFen);
        const earlyPrincipalFen = inst(part.loan, 1).paidPrincipalFen;
        const unpaidBefore = remainingPrincipalFen(part.loan);
        const newBalance = remainingPrincipalFen(pre.loan);
        expect(remainingPrincipalFen(once.loan)).toBe(newBalance);
        for (const [k, a] of pre.loan.installments.entries()) {
          const b = once.loan.installments[k] as LoanInstallment;
          expect({ ...a, feeFen: 0n }).toEqual({ ...b, feeFen: 0n });
          // Fees: round_half_up(scheduled fee × new balance / unpaid principal before the prepayment).
          const scheduled = inst(l, a.number).feeFen;
          expect(a.feeFen).toBe(unpaidBefore === 0n ? 0n : divRound(scheduled * newBalance, unpaidBefore));
          if (earlyPrincipalFen === 0n) expect(a.feeFen).toBe(b.feeFen);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('several early payments and prepayments in one period — properties', () => {
  it('then paying on the due dates: paid = principal + interest + fees charged, never more than the schedule', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (x, pays) => {
          const l0 = build(x);
          const first = inst(l0, 1);
          let l = l0;
          let asOf = first.periodStartDate;
          let paid = 0n;
          for (const [dayShare, amountShare] of pays) {
            // Days move forward inside installment 1's period (never on or past its due date).
            asOf = addDays(asOf, Math.floor(dayShare * (daysBetween(asOf, first.dueDate) - 1)));
            const payoff = payoffQuote(l, asOf).amountFen;
            const amountFen = share(payoff - 1n, amountShare);
            if (amountFen <= 0n) continue;
            const out = unwrap(applyPayment(l, { amountFen, asOf }));
            expect(out.kind === 'payoff').toBe(false);
            // Right after a prepayment, a payoff that day neither charges nor gives back interest:
            // what the period earned was settled (and paid) by the prepayment.
            if (out.kind === 'prepayment') {
              const q = payoffQuote(out.loan, asOf);
              expect([q.interestFen, q.rebateFen, q.feeFen]).toEqual([0n, 0n, 0n]);
              expect(q.amountFen).toBe(remainingPrincipalFen(out.loan));
            }
            paid += amountFen;
            l = out.loan;
          }
          const rest = payOnDueDates(l);
          const total = paid + rest.paidFen;
          const c = charged(rest.loan);
          expect(total).toBe(c.principalFen + c.interestFen + c.feeFen + c.penaltyFen);
          const original = charged(l0);
          expect(total <= original.principalFen + original.interestFen + original.feeFen).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('payment records never move between installments', () => {
  it('a prepayment keeps principal paid earlier on later installments (e.g. by a merchant refund) on them', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), (x, paidShare) => {
        const l0 = build(x);
        if (l0.installments.length < 2) return;
        // Principal already paid on every later installment (a refund's allocation does this).
        const l: Loan = {
          ...l0,
          installments: l0.installments.map((i, k) =>
            k === 0 ? i : { ...i, paidPrincipalFen: share(i.principalFen, paidShare) },
          ),
        };
        const first = inst(l, 1);
        const asOf = addDays(
          first.periodStartDate,
          Math.floor(x.partialAt * (daysBetween(first.periodStartDate, first.dueDate) - 1)),
        );
        const left = outstandingTotal(first);
        const payoff = payoffQuote(l, asOf).amountFen;
        if (left === 0n || payoff - left < 2n) return; // installment 1 must be the current bill
        const amountFen = left + 1n + share(payoff - left - 2n, x.prepayShare);
        const out = unwrap(applyPayment(l, { amountFen, asOf }));
        expect(out.kind).toBe('prepayment');
        for (const after of out.loan.installments) {
          const before = inst(l, after.number);
          const a = out.allocations.filter((y) => y.number === after.number);
          expect(after.paidPrincipalFen).toBe(before.paidPrincipalFen + sum(a.map((y) => y.principalFen)));
          expect(after.principalFen >= after.paidPrincipalFen).toBe(true);
        }
        expect(remainingPrincipalFen(out.loan)).toBe(remainingPrincipalFen(l) - out.principalPaidFen);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a payoff the rebate covers (simulator seed 307)', () => {
  /**
   * Installment 1 paid in full weeks early (a month's interest), the rest of the principal
   * paid down by a merchant refund's allocation but for `leftFen` on each later row: a payoff
   * today gives back more interest than is owed.
   */
  function paidAheadThenRefunded(leftFen: bigint): { loan: Loan; asOf: string } {
    const l0 = loan12Fee();
    const asOf = addDays(l0.startDate, 3);
    const loan: Loan = {
      ...l0,
      installments: l0.installments.map((i, k) =>
        k === 0
          ? { ...i, paidPrincipalFen: i.principalFen, paidInterestFen: i.interestFen, paidFeeFen: i.feeFen }
          : { ...i, paidPrincipalFen: i.principalFen - leftFen },
      ),
    };
    return { loan, asOf };
  }

  it('quotes 0 with a rebate larger than what is owed; paying 0 closes the loan and credits the rest', () => {
    const { loan, asOf } = paidAheadThenRefunded(10n);
    const quote = payoffQuote(loan, asOf);
    expect(quote.amountFen).toBe(0n);
    expect(quote.rebateFen > quote.principalFen + quote.interestFen).toBe(true);
    const out = unwrap(applyPayment(loan, { amountFen: 0n, asOf }));
    expect(out.kind).toBe('payoff');
    expect(out.loan.closedOn).toBe(asOf);
    expect(out.loan.installments.every(isPaid)).toBe(true);
    // every fen of the rebate is accounted for: what the rows still needed, and the credit
    expect(allocated(out) + out.toCreditFen).toBe(out.rebateFen);
    expect(out.toCreditFen).toBe(quote.rebateFen - quote.principalFen - quote.interestFen - quote.feeFen);
  });

  it('paying 0 is still refused when nothing is given back (nothing is owed, or money is owed)', () => {
    expect(applyPayment(loan12Fee(), { amountFen: 0n, asOf: '2026-01-20' })).toMatchObject({
      ok: false,
      code: 'payment_amount_invalid',
    });
    const { loan, asOf } = paidAheadThenRefunded(50_000n); // owes more than the rebate
    expect(payoffQuote(loan, asOf).amountFen > 0n).toBe(true);
    expect(applyPayment(loan, { amountFen: 0n, asOf })).toMatchObject({
      ok: false,
      code: 'payment_amount_invalid',
    });
    expect(applyPayment(loan, { amountFen: -1n, asOf })).toMatchObject({
      ok: false,
      code: 'payment_amount_invalid',
    });
  });
});
