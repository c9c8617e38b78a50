import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RefundInstallment, refundAllocation } from '../refund-allocation';

const row = (number: number, principalFen: bigint, interestFen: bigint, paid = false): RefundInstallment => ({
  number,
  status: paid ? 'paid' : 'pending',
  principalFen,
  paidPrincipalFen: paid ? principalFen : 0n,
  interestFen,
  paidInterestFen: paid ? interestFen : 0n,
  waivedInterestFen: 0n,
});

describe('refund allocation (re-amortise what remains)', () => {
  const schedule = [row(1, 3_300n, 100n), row(2, 3_333n, 67n), row(3, 3_367n, 33n)];

  it('a half refund halves every remaining principal and interest part', () => {
    const plan = refundAllocation({ installments: schedule, loanStatus: 'active', refundFen: 5_000n });
    expect(plan.principalBeforeFen).toBe(10_000n);
    expect(plan.principalAfterFen).toBe(5_000n);
    expect(plan.toCreditBalanceFen).toBe(0n);
    expect(plan.allocations.map((a) => a.principalFen)).toEqual([1_650n, 1_667n, 1_683n]);
    // half of the 200 fen of remaining interest is waived, each installment within a fen of half
    expect(plan.waivers.reduce((sum, w) => sum + w.interestFen, 0n)).toBe(100n);
    plan.waivers.forEach((w, k) => {
      const half = [100n, 67n, 33n][k]! * 5n; // ×10 to compare halves without fractions
      expect(w.interestFen * 10n - half <= 10n && half - w.interestFen * 10n <= 10n).toBe(true);
    });
  });

  it('after the first installment is repaid, a refund above the rest becomes a credit balance', () => {
    const paidFirst = [row(1, 3_300n, 100n, true), row(2, 3_333n, 67n), row(3, 3_367n, 33n)];
    const plan = refundAllocation({ installments: paidFirst, loanStatus: 'active', refundFen: 10_000n });
    expect(plan.allocations.map((a) => [a.installmentNumber, a.principalFen])).toEqual([
      [2, 3_333n],
      [3, 3_367n],
    ]);
    expect(plan.waivers.map((w) => [w.installmentNumber, w.interestFen])).toEqual([
      [2, 67n],
      [3, 33n],
    ]);
    expect(plan.toCreditBalanceFen).toBe(3_300n);
  });

  it('a paid-off loan takes the whole refund as credit balance', () => {
    const plan = refundAllocation({ installments: schedule, loanStatus: 'paid_off', refundFen: 700n });
    expect(plan).toMatchObject({ allocations: [], waivers: [], toCreditBalanceFen: 700n });
  });

  it('laws: parts sum to the refund, nothing grows, nothing goes negative', () => {
    const arbRow = fc.record({
      principal: fc.bigInt({ min: 0n, max: 5_000_000n }),
      interest: fc.bigInt({ min: 0n, max: 500_000n }),
      paid: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(arbRow, { minLength: 1, maxLength: 12 }),
        fc.bigInt({ min: 1n, max: 80_000_000n }),
        (rs, refund) => {
          const installments = rs.map((r, i) => row(i + 1, r.principal, r.interest, r.paid));
          const plan = refundAllocation({ installments, loanStatus: 'active', refundFen: refund });
          const cut = plan.allocations.reduce((s, a) => s + a.principalFen, 0n);
          expect(cut + plan.toCreditBalanceFen).toBe(refund);
          expect(plan.principalBeforeFen - cut).toBe(plan.principalAfterFen);
          expect(plan.principalAfterFen >= 0n && plan.toCreditBalanceFen >= 0n).toBe(true);
          for (const a of plan.allocations) {
            const r = installments[a.installmentNumber - 1]!;
            expect(a.principalFen > 0n && a.principalFen <= r.principalFen - r.paidPrincipalFen).toBe(true);
          }
          for (const w of plan.waivers) {
            const r = installments[w.installmentNumber - 1]!;
            expect(w.interestFen > 0n && w.interestFen <= r.interestFen - r.paidInterestFen).toBe(true);
          }
          if (plan.principalAfterFen === 0n && plan.principalBeforeFen > 0n) {
            const left = installments
              .filter((r) => r.status !== 'paid')
              .reduce((s, r) => s + r.interestFen, 0n);
            expect(plan.waivers.reduce((s, w) => s + w.interestFen, 0n)).toBe(left);
          }
        },
      ),
    );
  });
});
