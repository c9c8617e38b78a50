/**
 * How a merchant refund repays the shopper's scene-installment loan.
 *
 * The refund first reduces the outstanding principal P (unpaid principal of the installments
 * not yet paid); what exceeds P becomes the shopper's credit balance (the part they already
 * repaid comes back to them). The remaining schedule is re-amortised over the same remaining
 * periods at the same rate: an equal-installment schedule is linear in its principal, so the
 * re-amortised schedule is the old remaining one scaled by P′ / P, where P′ = P − cut. Each
 * installment's new principal is an exact proportional split of P′ (`allocateFen`), its new
 * interest an exact split of the scaled interest total; the differences are booked as the
 * refund's principal allocation and an interest waiver, so the ledger and the schedule move
 * together and every installment gets smaller, none larger.
 *
 * Arithmetic is `@fenqi/shared`'s exact allocation; nothing here rounds on its own.
 */
import type { AllocationInput, WaiverInput } from '@fenqi/db';
import { allocateFen } from '@fenqi/shared';

export interface RefundInstallment {
  number: number;
  status: string;
  principalFen: bigint;
  paidPrincipalFen: bigint;
  interestFen: bigint;
  paidInterestFen: bigint;
  waivedInterestFen: bigint;
}

export interface RefundPlan {
  allocations: AllocationInput[];
  waivers: WaiverInput[];
  toCreditBalanceFen: bigint;
  /** Outstanding principal before and after. */
  principalBeforeFen: bigint;
  principalAfterFen: bigint;
}

export function refundAllocation(args: {
  installments: readonly RefundInstallment[];
  loanStatus: string;
  refundFen: bigint;
}): RefundPlan {
  if (args.refundFen <= 0n) throw new Error('refundAllocation: refund must be positive');
  const open =
    args.loanStatus === 'paid_off' || args.loanStatus === 'canceled'
      ? []
      : args.installments.filter((i) => i.status !== 'paid' && i.status !== 'canceled');
  const rows = open.map((i) => ({
    number: i.number,
    principalFen: i.principalFen - i.paidPrincipalFen,
    interestFen: i.interestFen - i.paidInterestFen - i.waivedInterestFen,
  }));
  const principalBeforeFen = rows.reduce((s, r) => s + r.principalFen, 0n);
  const cutFen = args.refundFen < principalBeforeFen ? args.refundFen : principalBeforeFen;
  const principalAfterFen = principalBeforeFen - cutFen;
  const toCreditBalanceFen = args.refundFen - cutFen;
  if (cutFen === 0n)
    return { allocations: [], waivers: [], toCreditBalanceFen, principalBeforeFen, principalAfterFen };

  const withPrincipal = rows.filter((r) => r.principalFen > 0n);
  const newPrincipal =
    principalAfterFen === 0n
      ? withPrincipal.map(() => 0n)
      : allocateFen(
          principalAfterFen,
          withPrincipal.map((r) => r.principalFen),
        );
  const allocations: AllocationInput[] = withPrincipal.map((r, k) => ({
    installmentNumber: r.number,
    principalFen: r.principalFen - newPrincipal[k]!,
    interestFen: 0n,
    feeFen: 0n,
    penaltyFen: 0n,
  }));

  const withInterest = rows.filter((r) => r.interestFen > 0n);
  const interestBeforeFen = withInterest.reduce((s, r) => s + r.interestFen, 0n);
  let waivers: WaiverInput[] = [];
  if (interestBeforeFen > 0n) {
    // interest scales with the principal: the P′ / P share of the remaining interest stays
    const interestAfterFen =
      principalAfterFen === 0n ? 0n : allocateFen(interestBeforeFen, [principalAfterFen, cutFen])[0]!;
    const newInterest =
      interestAfterFen === 0n
        ? withInterest.map(() => 0n)
        : allocateFen(
            interestAfterFen,
            withInterest.map((r) => r.interestFen),
          );
    waivers = withInterest
      .map((r, k) => ({
        installmentNumber: r.number,
        interestFen: r.interestFen - newInterest[k]!,
        feeFen: 0n,
      }))
      .filter((w) => w.interestFen > 0n);
  }
  return {
    allocations: allocations.filter((a) => a.principalFen > 0n),
    waivers,
    toCreditBalanceFen,
    principalBeforeFen,
    principalAfterFen,
  };
}
