import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accruedInterestFen,
  accrueTo,
  addDays,
  allocateToInstallment,
  applyPayment,
  applyRefund,
  buildSchedule,
  dec,
  installmentPaymentFen,
  installmentStatus,
  type Loan,
  type LoanInstallment,
  loanStatus,
  openLoan,
  outstandingOf,
  outstandingTotal,
  payoffQuote,
  penaltyPerDayFen,
  remainingPrincipalFen,
  requestGrace,
  toWirePayoff,
} from '../index';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; code: string }): T {
  if (!r.ok) throw new Error(`unexpected refusal ${r.code}`);
  return r.value;
}

/** ¥12,000 at 12 % over 12 months from 2026-01-15, equal installments (level 1,066.19), optional 2 % total fee. */
function loan12(opts: { fee?: boolean } = {}): Loan {
  return openLoan(
    buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-15',
      ...(opts.fee ? { fee: { kind: 'total' as const, rate: dec('0.02') } } : {}),
    }),
  );
}

const inst = (l: Loan, n: number): LoanInstallment => {
  const i = l.installments[n - 1];
  if (!i) throw new Error('no installment');
  return i;
};

describe('allocation order', () => {
  it('partial payment of 50.00 on a due installment with fee 20.00 and interest 120.00 pays fee then interest, no principal', () => {
    const l = loan12({ fee: true });
    expect(inst(l, 1).feeFen).toBe(2_000n);
    const out = unwrap(applyPayment(l, { amountFen: 5_000n, asOf: '2026-02-15' }));
    expect(out.allocations).toEqual([
      { number: 1, penaltyFen: 0n, feeFen: 2_000n, interestFen: 3_000n, principalFen: 0n },
    ]);
    expect(out.kind).toBe('partial');
    expect(out.principalPaidFen).toBe(0n);
  });

  it('overdue installment 1 (10 days, penalty accrued) is paid before current installment 2: penalty → fee → interest → principal', () => {
    const l = loan12();
    const asOf = '2026-02-25'; // installment 1 due 2026-02-15, 10 days overdue
    const penalty = 10n * penaltyPerDayFen(inst(l, 1).principalFen);
    expect(penalty).toBe(10n * 47n); // 946.19 × 0.05 % = 0.473 → 0.47/day
    const out = unwrap(applyPayment(l, { amountFen: 106_619n + penalty + 1_000n, asOf }));
    expect(out.allocations[0]).toEqual({
      number: 1,
      penaltyFen: penalty,
      feeFen: 0n,
      interestFen: 12_000n,
      principalFen: 94_619n,
    });
    expect(out.allocations[1]).toEqual({
      number: 2,
      penaltyFen: 0n,
      feeFen: 0n,
      interestFen: 1_000n,
      principalFen: 0n,
    });
    expect(installmentStatus(inst(out.loan, 1), asOf)).toBe('paid');
    expect(loanStatus(out.loan, asOf)).toBe('active');
  });

  it('installmentPaymentFen: nothing due → the next installment; something overdue → all that is due', () => {
    const l = loan12();
    expect(installmentPaymentFen(l, '2026-02-01')).toBe(106_619n);
    expect(installmentPaymentFen(l, '2026-02-17')).toBe(106_619n + 2n * 47n);
  });
});

describe('penalty and grace', () => {
  it('penalty is 0.05 %/day on unpaid overdue principal, rounded per day; day-by-day accrual equals one-step accrual', () => {
    const l = loan12();
    let stepwise = l;
    for (let d = 1; d <= 40; d++) stepwise = accrueTo(stepwise, addDays('2026-02-15', d));
    const once = accrueTo(l, '2026-03-27');
    expect(stepwise.installments).toEqual(once.installments);
    // installment 1 overdue 40 days, installment 2 (due 03-15) 12 days
    expect(inst(once, 1).penaltyFen).toBe(40n * penaltyPerDayFen(94_619n));
    expect(inst(once, 2).penaltyFen).toBe(12n * penaltyPerDayFen(inst(l, 2).principalFen));
    expect(loanStatus(once, '2026-03-27')).toBe('overdue');
  });

  it('grace of 3 days: no overdue status and no penalty inside it, ordinary interest continues, penalty after it', () => {
    const l = unwrap(requestGrace(loan12(), { asOf: '2026-02-10' }));
    expect(inst(l, 1).graceUntil).toBe('2026-02-18');
    expect(installmentStatus(inst(l, 1), '2026-02-17')).toBe('grace');
    expect(loanStatus(l, '2026-02-18')).toBe('active');
    const during = accrueTo(l, '2026-02-18');
    const dailyInterest = (94_619n * 12n + 50n) / 100n / 365n; // 946.19 × 12 % / 365 = 0.311 → 0.31
    expect(inst(during, 1).graceInterestFen).toBe(3n * 31n);
    expect(dailyInterest).toBe(31n);
    expect(inst(during, 1).penaltyFen).toBe(0n);
    const after = accrueTo(l, '2026-02-20');
    expect(installmentStatus(inst(after, 1), '2026-02-20')).toBe('overdue');
    expect(inst(after, 1).penaltyFen).toBe(2n * penaltyPerDayFen(94_619n));
    // paying inside grace costs the installment plus the grace interest
    const paid = unwrap(applyPayment(l, { amountFen: 106_619n + 2n * 31n, asOf: '2026-02-17' }));
    expect(installmentStatus(inst(paid.loan, 1), '2026-02-17')).toBe('paid');
  });

  it('grace is refused after the due date, twice for one installment, and beyond 2 per calendar year', () => {
    const base = loan12();
    expect(requestGrace(base, { asOf: '2026-02-16' })).toMatchObject({
      ok: false,
      code: 'grace_not_applicable',
    });
    const g1 = unwrap(requestGrace(base, { asOf: '2026-02-15' }));
    expect(requestGrace(g1, { asOf: '2026-02-15' })).toMatchObject({
      ok: false,
      code: 'grace_not_applicable',
    });
    const p1 = unwrap(
      applyPayment(g1, { amountFen: installmentPaymentFen(g1, '2026-02-16'), asOf: '2026-02-16' }),
    ).loan;
    const g2 = unwrap(requestGrace(p1, { asOf: '2026-03-01' }));
    const p2 = unwrap(
      applyPayment(g2, { amountFen: installmentPaymentFen(g2, '2026-03-15'), asOf: '2026-03-15' }),
    ).loan;
    expect(requestGrace(p2, { asOf: '2026-04-01' })).toMatchObject({
      ok: false,
      code: 'grace_limit_reached',
    });
    // the limit is per person: two graces on another loan in 2026 also exhaust it
    expect(requestGrace(base, { asOf: '2026-02-10', otherLoans: [p2] })).toMatchObject({
      ok: false,
      code: 'grace_limit_reached',
    });
    expect(requestGrace(base, { asOf: '2026-02-10', otherLoans: [g1] }).ok).toBe(true);
  });
});

describe('payoff', () => {
  it('payoff on 2026-02-01 (17 of 31 days into period 1): principal + 17/31 of 120.00 interest, no fee', () => {
    const l = loan12({ fee: true });
    const q = payoffQuote(l, '2026-02-01');
    expect(q.principalFen).toBe(1_200_000n);
    expect(q.interestFen).toBe(6_581n); // 12,000 × 17 / 31 = 6,580.6
    expect(q.feeFen).toBe(0n);
    expect(q.penaltyFen).toBe(0n);
    expect(q.amountFen).toBe(1_206_581n);
    expect(toWirePayoff(q)).toEqual({
      amount: 1_206_581,
      principal_amount: 1_200_000,
      interest_amount: 6_581,
      penalty_amount: 0,
      fee_amount: 0,
      rebate_amount: 0,
      as_of: '2026-02-01',
    });
    const out = unwrap(applyPayment(l, { amountFen: q.amountFen, asOf: '2026-02-01' }));
    expect(out.kind).toBe('payoff');
    expect(out.loan.closedOn).toBe('2026-02-01');
    expect(out.toCreditFen).toBe(0n);
    expect(out.principalPaidFen).toBe(1_200_000n);
    expect(loanStatus(out.loan, '2026-02-01')).toBe('paid_off');
    expect(applyPayment(out.loan, { amountFen: 1n, asOf: '2026-02-02' })).toMatchObject({
      ok: false,
      code: 'loan_not_active',
    });
  });

  it('overpaying the payoff by 10.00 leaves a 10.00 credit balance', () => {
    const l = loan12();
    const q = payoffQuote(l, '2026-03-01');
    const out = unwrap(applyPayment(l, { amountFen: q.amountFen + 1_000n, asOf: '2026-03-01' }));
    expect(out.toCreditFen).toBe(1_000n);
    expect(out.loan.creditBalanceFen).toBe(1_000n);
  });

  it('interest paid in advance on the current installment is rebated at payoff', () => {
    const l = loan12();
    const early = unwrap(applyPayment(l, { amountFen: 106_619n, asOf: '2026-01-20' })).loan; // pays installment 1 early
    const q = payoffQuote(early, '2026-01-20');
    // 5 of 31 days accrued: 12,000 × 5 / 31 = 1,935.5 → 1,935; paid 12,000 → rebate 10,065
    expect(q.rebateFen).toBe(12_000n - 1_935n);
    expect(q.amountFen).toBe(1_200_000n - 94_619n - 10_065n);
    const done = unwrap(applyPayment(early, { amountFen: q.amountFen, asOf: '2026-01-20' }));
    expect(done.loan.closedOn).toBe('2026-01-20');
    expect(done.toCreditFen).toBe(0n);
  });

  it('refusals: zero or negative amounts', () => {
    expect(applyPayment(loan12(), { amountFen: 0n, asOf: '2026-02-01' })).toMatchObject({
      ok: false,
      code: 'payment_amount_invalid',
      param: 'amount',
    });
  });
});

describe('prepayment lowers the installment (term unchanged)', () => {
  it('paying installment 1 plus ¥6,000 on its due date re-amortizes installments 2–12 on the lower balance', () => {
    const l = loan12();
    const out = unwrap(applyPayment(l, { amountFen: 106_619n + 600_000n, asOf: '2026-02-15' }));
    expect(out.kind).toBe('prepayment');
    const after = out.loan;
    expect(after.installments).toHaveLength(12);
    expect(remainingPrincipalFen(after)).toBe(1_200_000n - 94_619n - 600_000n);
    // installment 2 carries the prepaid ¥6,000 as paid principal; its own part follows the new level
    // payment on 505,381 over 11 months at 1 %: 48,746 (computed independently)
    expect(inst(after, 2).paidPrincipalFen).toBe(600_000n);
    expect(inst(after, 2).interestFen).toBe(5_054n);
    expect(inst(after, 2).principalFen - 600_000n + inst(after, 2).interestFen).toBe(48_746n);
    expect(inst(after, 3).principalFen + inst(after, 3).interestFen).toBe(48_746n);
    expect(out.allocations.at(-1)).toEqual({
      number: 2,
      penaltyFen: 0n,
      feeFen: 0n,
      interestFen: 0n,
      principalFen: 600_000n,
    });
    expect(inst(after, 12).dueDate).toBe(inst(l, 12).dueDate);
    expect(after.installments.slice(1).reduce((t, i) => t + i.principalFen - i.paidPrincipalFen, 0n)).toBe(
      505_381n,
    );
  });

  it('prepayment mid-period settles the interest earned so far: ¥5,000 extra on 2026-01-20 (5 of 31 days)', () => {
    const l = loan12();
    const out = unwrap(applyPayment(l, { amountFen: 500_000n, asOf: '2026-01-20' }));
    expect(out.kind).toBe('prepayment');
    // earned 12,000 × 5/31 → 1,935; principal cut 498,065
    expect(out.allocations).toEqual([
      { number: 1, penaltyFen: 0n, feeFen: 0n, interestFen: 1_935n, principalFen: 498_065n },
    ]);
    expect(remainingPrincipalFen(out.loan)).toBe(1_200_000n - 498_065n);
    // installment 1 interest: 1,935 earned + 26/31 of the new balance's month (7,019.35 → 7,019) → 5,887
    expect(inst(out.loan, 1).interestFen).toBe(1_935n + 5_887n);
    expect(out.loan.installments).toHaveLength(12);
  });
});

describe('merchant refund', () => {
  it('partial refund of ¥6,000 before the first due date re-amortizes all installments on ¥6,000', () => {
    const l = loan12();
    const out = unwrap(applyRefund(l, { amountFen: 600_000n, asOf: '2026-01-20' }));
    expect(out.principalReducedFen).toBe(600_000n);
    expect(out.toCreditFen).toBe(0n);
    expect(remainingPrincipalFen(out.loan)).toBe(600_000n);
    // interest of installment 1: 5/31 of 120.00 earned on the old balance (19.35) + 26/31 of 60.00 (50.32)
    expect(inst(out.loan, 1).interestFen).toBe(1_935n + 5_032n);
    // principal follows the new level payment 533.09 on ¥6,000 (1 %/month, 12 months)
    expect(inst(out.loan, 1).principalFen).toBe(53_309n - 6_000n);
    expect(inst(out.loan, 2).principalFen + inst(out.loan, 2).interestFen).toBe(53_309n);
    expect(out.loan.refundedPrincipalFen).toBe(600_000n);
  });

  it('full refund closes the loan; money already paid beyond the principal comes back as credit', () => {
    const l = loan12();
    const paid = unwrap(applyPayment(l, { amountFen: 106_619n, asOf: '2026-02-15' })).loan;
    const out = unwrap(applyRefund(paid, { amountFen: 1_200_000n, asOf: '2026-02-20' }));
    expect(out.loan.closedOn).toBe('2026-02-20');
    expect(out.principalReducedFen).toBe(1_200_000n - 94_619n);
    // interest earned on installment 2's period until the refund (5 of 28 days of 110.54 → 19.74) stays owed
    expect(out.toCreditFen).toBe(94_619n - 1_974n);
    expect(remainingPrincipalFen(out.loan)).toBe(0n);
  });

  it('refund on a paid-off loan becomes credit balance', () => {
    const l = loan12();
    const done = unwrap(
      applyPayment(l, { amountFen: payoffQuote(l, '2026-01-16').amountFen, asOf: '2026-01-16' }),
    ).loan;
    const out = unwrap(applyRefund(done, { amountFen: 5_000n, asOf: '2026-01-20' }));
    expect(out.toCreditFen).toBe(5_000n);
    expect(out.loan.creditBalanceFen).toBe(5_000n);
    expect(applyRefund(done, { amountFen: 0n, asOf: '2026-01-20' })).toMatchObject({
      ok: false,
      code: 'refund_amount_invalid',
    });
  });
});

describe('repayment properties', () => {
  const owedArb = fc.record({
    penalty: fc.bigInt({ min: 0n, max: 10_000n }),
    fee: fc.bigInt({ min: 0n, max: 10_000n }),
    interest: fc.bigInt({ min: 0n, max: 100_000n }),
    principal: fc.bigInt({ min: 0n, max: 1_000_000n }),
    money: fc.bigInt({ min: 0n, max: 1_200_000n }),
  });

  it('allocation never reaches principal while penalty, fees or interest of the same installment are unpaid', () => {
    fc.assert(
      fc.property(owedArb, (x) => {
        const i: LoanInstallment = {
          number: 1,
          dueDate: '2026-02-01',
          periodStartDate: '2026-01-01',
          principalFen: x.principal,
          interestFen: x.interest,
          graceInterestFen: 0n,
          feeFen: x.fee,
          penaltyFen: x.penalty,
          paidPrincipalFen: 0n,
          paidInterestFen: 0n,
          paidFeeFen: 0n,
          paidPenaltyFen: 0n,
          graceUntil: null,
        };
        const r = allocateToInstallment(i, x.money);
        const o = outstandingOf(r.installment);
        const a = r.allocation;
        expect(a.penaltyFen + a.feeFen + a.interestFen + a.principalFen + r.restFen).toBe(x.money);
        if (a.principalFen > 0n) expect([o.penaltyFen, o.feeFen, o.interestFen]).toEqual([0n, 0n, 0n]);
        if (a.interestFen > 0n) expect([o.penaltyFen, o.feeFen]).toEqual([0n, 0n]);
        if (a.feeFen > 0n) expect(o.penaltyFen).toBe(0n);
      }),
    );
  });

  const loanArb = fc.record({
    principalFen: fc.bigInt({ min: 50_000n, max: 20_000_000n }),
    method: fc.constantFrom(
      'equal_installment',
      'equal_principal',
      'interest_first',
      'daily',
    ) as fc.Arbitrary<'equal_installment' | 'equal_principal' | 'interest_first' | 'daily'>,
    rateBp: fc.integer({ min: 0, max: 2400 }),
    months: fc.integer({ min: 1, max: 36 }),
    fee: fc.boolean(),
  });
  const build = (x: {
    principalFen: bigint;
    method: 'equal_installment' | 'equal_principal' | 'interest_first' | 'daily';
    rateBp: number;
    months: number;
    fee: boolean;
  }): Loan =>
    openLoan(
      buildSchedule({
        principalFen: x.principalFen,
        method: x.method,
        annualRate: dec((x.rateBp / 10_000).toFixed(4)),
        term: { months: x.months },
        startDate: '2026-01-31',
        ...(x.fee ? { fee: { kind: 'total' as const, rate: dec('0.015') } } : {}),
      }),
    );

  it('accrued interest is monotone in days, and the payoff interest never falls as days pass', () => {
    fc.assert(
      fc.property(
        loanArb,
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 60 }),
        (x, d1, gap) => {
          const l = build(x);
          const a = addDays(l.startDate, d1);
          const b = addDays(a, gap);
          for (const i of l.installments)
            expect(accruedInterestFen(i, a) <= accruedInterestFen(i, b)).toBe(true);
          expect(payoffQuote(l, a).interestFen <= payoffQuote(l, b).interestFen).toBe(true);
        },
      ),
    );
  });

  it('penalty accrued is monotone in days and never negative; accrual in two steps equals one', () => {
    fc.assert(
      fc.property(
        loanArb,
        fc.integer({ min: 0, max: 800 }),
        fc.integer({ min: 1, max: 90 }),
        (x, d1, gap) => {
          const l = build(x);
          const a = accrueTo(l, addDays(l.startDate, d1));
          const b = accrueTo(a, addDays(l.startDate, d1 + gap));
          const direct = accrueTo(l, addDays(l.startDate, d1 + gap));
          expect(b.installments).toEqual(direct.installments);
          a.installments.forEach((i, k) => {
            expect(i.penaltyFen >= 0n).toBe(true);
            expect((b.installments[k]?.penaltyFen ?? -1n) >= i.penaltyFen).toBe(true);
          });
        },
      ),
    );
  });

  it('paying "the installment" on day d never costs more than paying the loan off on day d, and never leaves a credit balance', () => {
    fc.assert(
      fc.property(loanArb, fc.integer({ min: 0, max: 1100 }), (x, d) => {
        const l = build(x);
        const asOf = addDays(l.startDate, d);
        const billFen = installmentPaymentFen(l, asOf);
        expect(billFen <= payoffQuote(l, asOf).amountFen).toBe(true);
        if (billFen === 0n) return;
        const r = applyPayment(l, { amountFen: billFen, asOf });
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value.toCreditFen).toBe(0n);
      }),
      { numRuns: 200 },
    );
  });

  it('single payment paid early as "the installment": charged the payoff (interest to the day), not the scheduled interest', () => {
    const l = openLoan(
      buildSchedule({
        method: 'single_payment',
        principalFen: 72_269n,
        annualRate: dec('0.073'),
        term: { days: 30 },
        startDate: '2026-01-01',
      }),
    );
    const billFen = installmentPaymentFen(l, '2026-01-08');
    expect(billFen).toBe(payoffQuote(l, '2026-01-08').amountFen);
    expect(billFen < outstandingTotal(l.installments[0]!)).toBe(true);
  });

  it('payoff on day d (no overdue) never exceeds the sum of the remaining installments', () => {
    fc.assert(
      fc.property(loanArb, fc.integer({ min: 0, max: 1100 }), (x, d) => {
        let l = build(x);
        const asOf = addDays(l.startDate, d);
        // keep the loan current: pay everything due by asOf on its due date
        for (const i of l.installments) {
          if (i.dueDate > asOf) break;
          const r = applyPayment(l, { amountFen: installmentPaymentFen(l, i.dueDate), asOf: i.dueDate });
          if (r.ok) l = r.value.loan;
        }
        if (l.closedOn !== null) return;
        const remaining = l.installments.reduce((t, i) => t + outstandingTotal(i), 0n);
        const q = payoffQuote(l, asOf);
        expect(q.amountFen <= remaining).toBe(true);
        expect(q.amountFen >= remainingPrincipalFen(l)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('payoff on day d, even when overdue, never exceeds everything outstanding after accrual to d', () => {
    fc.assert(
      fc.property(loanArb, fc.integer({ min: 0, max: 1200 }), (x, d) => {
        const l = build(x);
        const asOf = addDays(l.startDate, d);
        const accrued = accrueTo(l, asOf);
        const outstanding = accrued.installments.reduce((t, i) => t + outstandingTotal(i), 0n);
        const q = payoffQuote(l, asOf);
        expect(q.amountFen <= outstanding).toBe(true);
        expect(q.amountFen).toBe(q.principalFen + q.interestFen + q.penaltyFen + q.feeFen - q.rebateFen);
      }),
    );
  });

  it('any sequence of payments keeps every component within what is owed and conserves money', () => {
    fc.assert(
      fc.property(
        loanArb,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.bigInt({ min: 1n, max: 3_000_000n })), {
          minLength: 1,
          maxLength: 8,
        }),
        (x, pays) => {
          let l = build(x);
          let asOf = l.startDate;
          let paidIn = 0n;
          let credited = 0n;
          for (const [gap, amount] of pays) {
            asOf = addDays(asOf, gap);
            const r = applyPayment(l, { amountFen: amount, asOf });
            if (!r.ok) {
              expect(r.code).toBe('loan_not_active');
              break;
            }
            paidIn += amount;
            credited += r.value.toCreditFen;
            const allocated = r.value.allocations.reduce(
              (t, a) => t + a.penaltyFen + a.feeFen + a.interestFen + a.principalFen,
              0n,
            );
            expect(allocated).toBe(amount + r.value.rebateFen - r.value.toCreditFen);
            expect(r.value.rebateFen >= 0n).toBe(true);
            l = r.value.loan;
            for (const i of l.installments) {
              const o = outstandingOf(i);
              expect(
                o.penaltyFen >= 0n && o.feeFen >= 0n && o.interestFen >= 0n && o.principalFen >= 0n,
              ).toBe(true);
            }
            expect(l.installments.reduce((t, i) => t + i.principalFen, 0n)).toBe(x.principalFen);
          }
          const recorded = l.installments.reduce(
            (t, i) => t + i.paidPenaltyFen + i.paidFeeFen + i.paidInterestFen + i.paidPrincipalFen,
            0n,
          );
          expect(recorded + credited).toBe(paidIn);
          expect(l.creditBalanceFen).toBe(credited);
        },
      ),
      { numRuns: 150 },
    );
  });
});
