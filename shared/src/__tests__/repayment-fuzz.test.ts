import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  applyPayment,
  applyRefund,
  buildSchedule,
  dec,
  isPaid,
  type Loan,
  loanStatus,
  openLoan,
  outstandingOf,
  payoffQuote,
  remainingPrincipalFen,
  requestGrace,
} from '../index';

type Op = { kind: 'pay' | 'refund' | 'grace' | 'payoff'; gap: number; amountFen: bigint };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('pay', 'pay', 'refund', 'grace', 'payoff'),
  gap: fc.integer({ min: 0, max: 45 }),
  amountFen: fc.bigInt({ min: 1n, max: 2_000_000n }),
});

const loanArb = fc.record({
  principalFen: fc.bigInt({ min: 10_000n, max: 5_000_000n }),
  method: fc.constantFrom(
    'equal_installment',
    'equal_principal',
    'interest_first',
    'daily',
    'single_payment',
  ) as fc.Arbitrary<'equal_installment' | 'equal_principal' | 'interest_first' | 'daily' | 'single_payment'>,
  rateBp: fc.integer({ min: 0, max: 2400 }),
  months: fc.integer({ min: 1, max: 12 }),
  days: fc.integer({ min: 7, max: 30 }),
  useDays: fc.boolean(),
  dueDay: fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
  fee: fc.boolean(),
});

describe('repayment engine under random sequences of payments, refunds, grace and payoffs', () => {
  it('never throws, conserves money, keeps every component non-negative, closes exactly when all is paid', () => {
    fc.assert(
      fc.property(loanArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), (x, ops) => {
        const dayTerm = x.useDays && (x.method === 'single_payment' || x.method === 'daily');
        let l: Loan = openLoan(
          buildSchedule({
            principalFen: x.principalFen,
            method: x.method,
            annualRate: dec((x.rateBp / 10_000).toFixed(4)),
            term: dayTerm ? { days: x.days } : { months: x.months },
            startDate: '2026-01-31',
            ...(x.dueDay && !dayTerm ? { dueDayOfMonth: x.dueDay } : {}),
            ...(x.fee ? { fee: { kind: 'total' as const, rate: dec('0.01') } } : {}),
          }),
        );
        let asOf = l.startDate;
        let paidIn = 0n;
        let refundedIn = 0n;
        for (const op of ops) {
          asOf = addDays(asOf, op.gap);
          if (op.kind === 'grace') {
            const g = requestGrace(l, { asOf });
            if (g.ok) l = g.value;
            else expect(['grace_not_applicable', 'grace_limit_reached']).toContain(g.code);
            continue;
          }
          if (op.kind === 'refund') {
            const before = remainingPrincipalFen(l);
            const r = applyRefund(l, { amountFen: op.amountFen, asOf });
            if (!r.ok) throw new Error(r.code);
            refundedIn += op.amountFen;
            expect(r.value.principalReducedFen <= before).toBe(true);
            l = r.value.loan;
          } else {
            const amount = op.kind === 'payoff' ? payoffQuote(l, asOf).amountFen : op.amountFen;
            if (amount === 0n) continue;
            const r = applyPayment(l, { amountFen: amount, asOf });
            if (!r.ok) {
              expect(r.code).toBe('loan_not_active');
              expect(l.closedOn).not.toBeNull();
              continue;
            }
            paidIn += amount;
            if (op.kind === 'payoff') {
              expect(r.value.loan.closedOn).toBe(asOf);
              expect(r.value.toCreditFen).toBe(0n);
            }
            l = r.value.loan;
          }
          for (const i of l.installments) {
            const o = outstandingOf(i);
            expect(o.penaltyFen >= 0n && o.feeFen >= 0n && o.interestFen >= 0n && o.principalFen >= 0n).toBe(
              true,
            );
          }
          expect(l.installments.reduce((t, i) => t + i.principalFen, 0n) + l.refundedPrincipalFen).toBe(
            x.principalFen,
          );
          expect(l.closedOn !== null).toBe(l.installments.every(isPaid));
          if (l.closedOn !== null) expect(loanStatus(l, asOf)).toBe('paid_off');
          // money in = money recorded on installments + credit balance (refunds count as money in)
          const recorded = l.installments.reduce(
            (t, i) => t + i.paidPenaltyFen + i.paidFeeFen + i.paidInterestFen + i.paidPrincipalFen,
            0n,
          );
          expect(recorded + l.creditBalanceFen + l.refundedPrincipalFen).toBe(paidIn + refundedIn);
        }
      }),
      { numRuns: 300 },
    );
  });
});
