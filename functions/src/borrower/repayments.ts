/**
 * POST /v1/loans/{id}/repayments — `{ amount }`, `{ type: "installment" }` or
 * `{ type: "payoff" }`. The domain (`applyPayment`) decides where every fen goes; this file
 * only translates its outcome into the database primitive `applyRepayment`:
 * - allocations as computed (overdue first; penalty → fee → interest → principal);
 * - a prepayment re-amortizes the later installments (domain's choice: lower installments,
 *   same dates): their rows are rewritten and the prepaid principal is booked on the current
 *   installment, so the schedule still sums to the principal; interest or fees paid early on
 *   the current installment (a partial early payment before the prepayment) are credited: the
 *   part the period has not earned becomes principal, recorded as rebated on the row and
 *   booked Dr interest/fee income, Cr bank (docs/repayment-rules.md);
 * - a payoff waives interest after today and unearned fees (`waivers`); interest or fees
 *   already paid on later installments beyond that come back as a rebate, booked
 *   Dr interest/fee income, Cr bank, and used in the payoff as the domain does.
 * Repaid principal becomes available again on T+1 (`restoreOn`).
 */

import {
  type AllocationInput,
  applyRepayment,
  lockLoan,
  payOutCreditBalance,
  postLedgerTransaction,
  systemAccount,
  type WaiverInput,
} from '@fenqi/db';
import {
  type Allocation,
  addDays,
  addFen,
  applyPayment,
  fenToJson,
  installmentPaymentFen,
  isPaid,
  type LoanInstallment,
  loanStatus,
  maxFen,
  payoffQuote,
  subtractFen,
  sumFen,
} from '@fenqi/shared';
import { eq, sql } from 'drizzle-orm';
import { schema } from '../db';
import { ApiError } from '../http/errors';
import type { RouteContext, RouteResult } from '../http/route';
import { loadUser, todayOf, unwrap, userIdOf } from './common';
import { type InstallmentRow, loanView, toDomainLoan } from './loan-state';
import { loadOwnLoan, payoutDepsOf } from './loans';

export type RepaymentBody = { amount: number; type?: 'amount' } | { type: 'installment' | 'payoff' };

export async function createRepayment(ctx: RouteContext<RepaymentBody>): Promise<RouteResult> {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  return ctx.transaction(async (tx) => {
    await loadUser(tx, userId, { lock: true });
    const { loan, rows } = await loadOwnLoan(tx, userId, ctx.params.id as string, ctx.now, payoutDepsOf(ctx));
    if (loan.status === 'cooling_off') {
      throw new ApiError(
        'business_rule',
        'cooling_off_active',
        'The money has not been paid out yet; cancel the loan instead, free of charge.',
      );
    }
    if (loan.status !== 'active' && loan.status !== 'overdue') {
      throw new ApiError('business_rule', 'loan_not_active', `The loan is ${loan.status}.`);
    }
    const before = toDomainLoan(loan, rows);
    const body = ctx.body;
    const kind: 'amount' | 'installment' | 'payoff' = 'amount' in body ? 'amount' : body.type;
    const payoff = kind === 'payoff' ? payoffQuote(before, today) : undefined;
    const amountFen =
      'amount' in body
        ? BigInt(body.amount)
        : payoff
          ? payoff.amountFen
          : installmentPaymentFen(before, today);
    // A payoff of 0 is real when what was paid ahead (rebated on a payoff) covers all that is
    // owed: it closes the loan and pays the rest back (see applyPayment).
    const coveredByRebate = payoff !== undefined && payoff.rebateFen > 0n;
    if (amountFen < 0n || (amountFen === 0n && !coveredByRebate))
      throw new ApiError('business_rule', 'nothing_due', 'Nothing is owed on this loan.');
    const outcome = unwrap(applyPayment(before, { amountFen, asOf: today }));

    const byNumber = new Map(rows.map((r) => [r.number, r]));
    const beforeByNumber = new Map(before.installments.map((i) => [i.number, i]));
    const allocations: Allocation[] = mergeByInstallment(outcome.allocations);
    const allocByNumber = new Map(allocations.map((a) => [a.number, a]));
    const waivers: WaiverInput[] = [];

    // Interest or fees paid earlier on not-yet-due bills that the domain gives back: a payoff
    // does not need them, a prepayment turns them into principal (`outcome.rebateFen`).
    // Allocations are append-only, so the rows keep those payments and record them in
    // `rebated_*_fen` (the domain sees paid − rebated; `interest_fen` / `fee_fen` carry the
    // rebated part too); the rebate is booked Dr interest / fee income, Cr bank, and the
    // allocations (which re-apply it) are funded by the payment plus the rebate.
    const rebate = { interestFen: 0n, feeFen: 0n };
    const excess = new Map<number, { interestFen: bigint; feeFen: bigint }>();
    for (const after of outcome.loan.installments) {
      const prev = beforeByNumber.get(after.number);
      if (!prev) throw new Error('repayment: installment missing');
      const a = allocByNumber.get(after.number);
      const i = maxFen(
        0n,
        subtractFen(sumFen([prev.paidInterestFen, a?.interestFen ?? 0n]), after.paidInterestFen),
      );
      const f = maxFen(0n, subtractFen(sumFen([prev.paidFeeFen, a?.feeFen ?? 0n]), after.paidFeeFen));
      if (i > 0n || f > 0n) excess.set(after.number, { interestFen: i, feeFen: f });
      rebate.interestFen = addFen(rebate.interestFen, i);
      rebate.feeFen = addFen(rebate.feeFen, f);
    }
    if (sumFen([rebate.interestFen, rebate.feeFen]) !== outcome.rebateFen)
      throw new Error('repayment: rebate does not match the rows');
    const noExcess = { interestFen: 0n, feeFen: 0n };

    if (outcome.kind === 'prepayment') {
      // The domain re-amortized the current and later installments (same dates, smaller
      // amounts) and recorded the cut principal as paid on the current one: rewrite those rows.
      const currentNumber = allocations.at(-1)?.number;
      if (currentNumber === undefined) throw new Error('prepayment without allocation');
      for (const next of outcome.loan.installments.filter((x) => x.number >= currentNumber)) {
        const row = byNumber.get(next.number) as InstallmentRow;
        const prev = beforeByNumber.get(next.number) as LoanInstallment;
        const a = allocByNumber.get(next.number);
        const e = excess.get(next.number) ?? noExcess;
        if (sumFen([prev.paidPrincipalFen, a?.principalFen ?? 0n]) !== next.paidPrincipalFen)
          throw new Error('prepayment: paid principal does not match the rows');
        const rebatedInterestFen = sumFen([row.rebatedInterestFen, e.interestFen]);
        const rebatedFeeFen = sumFen([row.rebatedFeeFen, e.feeFen]);
        await tx
          .update(schema.installments)
          .set({
            principalFen: next.principalFen,
            interestFen: sumFen([next.interestFen, row.waivedInterestFen, rebatedInterestFen]),
            feeFen: sumFen([next.feeFen, row.waivedFeeFen, rebatedFeeFen]),
            rebatedInterestFen,
            rebatedFeeFen,
            interestSettledFen: next.settledInterestFen ?? 0n,
            interestSettledOn: next.settledOn ?? null,
          })
          .where(eq(schema.installments.id, row.id));
      }
    } else if (outcome.kind === 'payoff') {
      for (const after of outcome.loan.installments) {
        const row = byNumber.get(after.number) as InstallmentRow;
        const prev = beforeByNumber.get(after.number) as LoanInstallment;
        const e = excess.get(after.number) ?? noExcess;
        // The row ends owing the domain's amount: the rest of what it charged is waived
        // (never paid) or rebated (paid, given back).
        const w = {
          installmentNumber: after.number,
          interestFen: subtractFen(subtractFen(prev.interestFen, after.interestFen), e.interestFen),
          feeFen: subtractFen(subtractFen(prev.feeFen, after.feeFen), e.feeFen),
        };
        if (w.interestFen < 0n || w.feeFen < 0n) throw new Error('payoff: negative waiver');
        if (w.interestFen > 0n || w.feeFen > 0n) waivers.push(w);
        if (e.interestFen > 0n || e.feeFen > 0n) {
          await tx
            .update(schema.installments)
            .set({
              rebatedInterestFen: sumFen([row.rebatedInterestFen, e.interestFen]),
              rebatedFeeFen: sumFen([row.rebatedFeeFen, e.feeFen]),
            })
            .where(eq(schema.installments.id, row.id));
        }
      }
    } else if (outcome.rebateFen !== 0n) {
      throw new Error('partial payment with a rebate');
    }

    const rebateFen = sumFen([rebate.interestFen, rebate.feeFen]);
    if (rebateFen > 0n) {
      await postLedgerTransaction(tx, {
        kind: outcome.kind === 'payoff' ? 'payoff_rebate' : 'prepayment_rebate',
        refType: 'loan',
        refId: loan.id,
        effectiveAt: ctx.now,
        ...(ctx.idempotencyRef ? { idempotencyRef: ctx.idempotencyRef } : {}),
        postings: [
          ...(rebate.interestFen > 0n
            ? [{ account: systemAccount('interest_income'), amountFen: rebate.interestFen }]
            : []),
          ...(rebate.feeFen > 0n ? [{ account: systemAccount('fee_income'), amountFen: rebate.feeFen }] : []),
          { account: systemAccount('bank'), amountFen: -rebateFen },
        ],
      });
    }

    const allocationInputs: AllocationInput[] = allocations
      .filter((a) => sumFen([a.principalFen, a.interestFen, a.feeFen, a.penaltyFen]) > 0n)
      .map((a) => ({
        installmentNumber: a.number,
        principalFen: a.principalFen,
        interestFen: a.interestFen,
        feeFen: a.feeFen,
        penaltyFen: a.penaltyFen,
      }));
    const applied = await applyRepayment(tx, {
      loanId: loan.id,
      amountFen: sumFen([amountFen, rebateFen]),
      source: 'user',
      kind,
      allocations: allocationInputs,
      waivers,
      toCreditBalanceFen: outcome.toCreditFen,
      restoreOn: addDays(today, 1),
      now: ctx.now,
      ...(ctx.idempotencyRef ? { idempotencyRef: ctx.idempotencyRef } : {}),
    });
    if (!applied.ok)
      throw new ApiError('business_rule', 'loan_not_active', 'The loan cannot take a repayment now.');

    // Overdue → active once nothing is overdue any more; record on-time history.
    const status = loanStatus(outcome.loan, today);
    if (!applied.value.paidOff && status !== applied.value.loan.status) {
      await tx.update(schema.loans).set({ status, updatedAt: ctx.now }).where(eq(schema.loans.id, loan.id));
    }
    // Whatever the payoff did not need goes straight back to the borrower's card (simulator bug 2).
    if (applied.value.paidOff) {
      const ref = ctx.idempotencyRef ? { idempotencyRef: ctx.idempotencyRef } : {};
      await payOutCreditBalance(tx, { loanId: loan.id, now: ctx.now, ...ref });
    }
    const paidOnTime = outcome.loan.installments.filter(
      (i) => isPaid(i) && !isPaid(beforeByNumber.get(i.number) as LoanInstallment) && i.dueDate >= today,
    ).length;
    if (paidOnTime > 0) {
      await tx
        .update(schema.users)
        .set({ onTimeRepaymentsCount: sql`${schema.users.onTimeRepaymentsCount} + ${paidOnTime}` })
        .where(eq(schema.users.id, userId));
    }
    const fresh = await lockLoan(tx, loan.id);
    if (!fresh) throw new Error('loan vanished');
    return {
      status: 201,
      body: {
        id: applied.value.repaymentId,
        object: 'repayment',
        loan_id: loan.id,
        type: kind,
        amount: fenToJson(amountFen),
        currency: 'CNY',
        outcome: outcome.kind,
        principal_amount: fenToJson(sumFen(allocations.map((a) => a.principalFen))),
        interest_amount: fenToJson(sumFen(allocations.map((a) => a.interestFen))),
        fee_amount: fenToJson(sumFen(allocations.map((a) => a.feeFen))),
        penalty_amount: fenToJson(sumFen(allocations.map((a) => a.penaltyFen))),
        rebate_amount: fenToJson(rebateFen),
        to_credit_balance_amount: fenToJson(outcome.toCreditFen),
        limit_restored_on: outcome.principalPaidFen > 0n ? addDays(today, 1) : null,
        allocations: allocations.map((a) => ({
          installment_number: a.number,
          principal_amount: fenToJson(a.principalFen),
          interest_amount: fenToJson(a.interestFen),
          fee_amount: fenToJson(a.feeFen),
          penalty_amount: fenToJson(a.penaltyFen),
        })),
        created_at: ctx.now.toISOString(),
        loan: loanView(fresh.loan, fresh.installments, today),
      },
      effect: { type: 'repayment', id: applied.value.repaymentId },
    };
  });
}

/** One allocation per installment (the database takes each installment once per repayment). */
function mergeByInstallment(list: readonly Allocation[]): Allocation[] {
  const out = new Map<number, Allocation>();
  for (const a of list) {
    const prev = out.get(a.number);
    out.set(
      a.number,
      prev
        ? {
            number: a.number,
            principalFen: sumFen([prev.principalFen, a.principalFen]),
            interestFen: sumFen([prev.interestFen, a.interestFen]),
            feeFen: sumFen([prev.feeFen, a.feeFen]),
            penaltyFen: sumFen([prev.penaltyFen, a.penaltyFen]),
          }
        : a,
    );
  }
  return [...out.values()];
}
