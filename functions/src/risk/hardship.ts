/**
 * The hardship path (展期) in the service: an overdue borrower sees extension offers in the
 * app and may accept one — the unpaid principal re-amortised over 3, 6 or 12 more months
 * with the unpaid penalty waived (@fenqi/shared `planExtension`). One extension per loan.
 * Applied in one transaction with the loan row locked; no ledger posting is needed (the
 * principal owed is unchanged; interest, fees and penalty are recognised when collected).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { PayoutDeps } from '../batch/cooling-off';
import type { InstallmentRow, LoanRow } from '../borrower/loan-state';
import { loanView } from '../borrower/loan-state';
import { loadOwnLoan } from '../borrower/loans';
import { shanghaiDate } from '../clock';
import { newId, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import { appendAudit } from '../security/audit';
import {
  dec,
  EXTENSION_MONTHS_OPTIONS,
  type ExtensionRowIn,
  fenToJson,
  planExtension,
  type RepaymentMethod,
} from './shared';

function rowsIn(rows: readonly InstallmentRow[]): ExtensionRowIn[] {
  return rows.map((r) => ({
    number: r.number,
    dueDate: r.dueDate,
    status: r.status,
    principalFen: r.principalFen,
    interestFen: r.interestFen,
    feeFen: r.feeFen,
    penaltyFen: r.penaltyFen,
    paidPrincipalFen: r.paidPrincipalFen,
    paidInterestFen: r.paidInterestFen,
    paidFeeFen: r.paidFeeFen,
    paidPenaltyFen: r.paidPenaltyFen,
    waivedInterestFen: r.waivedInterestFen,
    waivedFeeFen: r.waivedFeeFen,
  }));
}

async function alreadyExtended(tx: Tx, loanId: string): Promise<boolean> {
  const [row] = await tx
    .select({ seq: schema.auditLog.seq })
    .from(schema.auditLog)
    .where(
      and(
        eq(schema.auditLog.action, 'collections.extension_accepted'),
        eq(schema.auditLog.subjectType, 'loan'),
        eq(schema.auditLog.subjectId, loanId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

function eligibility(
  loan: LoanRow,
  rows: readonly InstallmentRow[],
  extended: boolean,
): { ok: true } | { ok: false; code: string; message: string } {
  if (extended)
    return {
      ok: false,
      code: 'extension_already_used',
      message: 'This loan has already been extended once.',
    };
  if (!rows.some((r) => r.status === 'overdue'))
    return {
      ok: false,
      code: 'extension_not_available',
      message: 'An extension is offered when an installment is overdue.',
    };
  if (!['active', 'overdue'].includes(loan.status))
    return {
      ok: false,
      code: 'extension_not_available',
      message: `A ${loan.status} loan cannot be extended.`,
    };
  return { ok: true };
}

export async function extensionOffer(
  tx: Tx,
  args: { userId: string; loanId: string; now: Date; deps: PayoutDeps },
) {
  const { loan, rows } = await loadOwnLoan(tx, args.userId, args.loanId, args.now, args.deps);
  const today = shanghaiDate(args.now);
  const e = eligibility(loan, rows, await alreadyExtended(tx, loan.id));
  if (!e.ok)
    return { loan_id: loan.id, eligible: false, reason_code: e.code, reason: e.message, options: [] };
  const options = [];
  for (const months of EXTENSION_MONTHS_OPTIONS) {
    const p = planExtension({
      rows: rowsIn(rows),
      method: loan.method as RepaymentMethod,
      annualRate: dec(loan.annualRate),
      months,
      startDate: today,
    });
    if (!p.ok)
      return {
        loan_id: loan.id,
        eligible: false,
        reason_code: p.code,
        reason: 'This loan cannot be extended.',
        options: [],
      };
    options.push({
      months,
      principal_amount: fenToJson(p.value.remainingPrincipalFen),
      waived_penalty_amount: fenToJson(p.value.waivedPenaltyFen),
      deferred_interest_amount: fenToJson(p.value.carriedInterestFen),
      deferred_fee_amount: fenToJson(p.value.carriedFeeFen),
      new_interest_amount: fenToJson(p.value.newInterestFen),
      currency: 'CNY',
      installments: p.value.added.map((a) => ({
        due_date: a.dueDate,
        principal_amount: fenToJson(a.principalFen),
        interest_amount: fenToJson(a.interestFen),
        fee_amount: fenToJson(a.feeFen),
        amount: fenToJson(a.principalFen + a.interestFen + a.feeFen),
      })),
    });
  }
  return {
    loan_id: loan.id,
    eligible: true,
    note: 'Temporary hardship: accept an extension and the unpaid penalty is waived; no fee, no penalty for the extension.',
    options,
  };
}

export async function acceptExtension(
  tx: Tx,
  args: { userId: string; loanId: string; months: number; now: Date; requestId: string; deps: PayoutDeps },
) {
  const { loan, rows } = await loadOwnLoan(tx, args.userId, args.loanId, args.now, args.deps);
  const today = shanghaiDate(args.now);
  const e = eligibility(loan, rows, await alreadyExtended(tx, loan.id));
  if (!e.ok) throw new ApiError('business_rule', e.code, e.message);
  const p = planExtension({
    rows: rowsIn(rows),
    method: loan.method as RepaymentMethod,
    annualRate: dec(loan.annualRate),
    months: args.months,
    startDate: today,
  });
  if (!p.ok)
    throw new ApiError(
      'business_rule',
      p.code,
      'This loan cannot be extended this way.',
      p.code === 'extension_months_invalid' ? 'months' : undefined,
    );
  const plan = p.value;
  for (const c of plan.closed) {
    await tx
      .update(schema.installments)
      .set({
        status: c.status,
        principalFen: c.principalFen,
        interestFen: c.interestFen,
        feeFen: c.feeFen,
        penaltyFen: c.penaltyFen,
        ...(c.status === 'paid' ? { paidAt: args.now } : {}),
      })
      .where(and(eq(schema.installments.loanId, loan.id), eq(schema.installments.number, c.number)));
  }
  for (const a of plan.added) {
    await tx.insert(schema.installments).values({
      id: newId('ins'),
      loanId: loan.id,
      number: a.number,
      dueDate: a.dueDate,
      principalFen: a.principalFen,
      interestFen: a.interestFen,
      feeFen: a.feeFen,
      status: 'pending',
    });
  }
  await tx
    .update(schema.loans)
    .set({
      status: 'active',
      installmentsCount: sql`(select count(*)::int from installments where loan_id = ${loan.id} and status <> 'canceled')`,
      updatedAt: args.now,
    })
    .where(eq(schema.loans.id, loan.id));
  await appendAudit(tx, {
    actorType: 'user',
    actorId: args.userId,
    action: 'collections.extension_accepted',
    subjectType: 'loan',
    subjectId: loan.id,
    requestId: args.requestId,
    details: {
      months: plan.months,
      principal_fen: plan.remainingPrincipalFen.toString(),
      waived_penalty_fen: plan.waivedPenaltyFen.toString(),
      deferred_interest_fen: plan.carriedInterestFen.toString(),
      first_new_number: plan.added[0]?.number ?? 0,
    },
    at: args.now,
  });
  const fresh = await loadOwnLoan(tx, args.userId, args.loanId, args.now, args.deps);
  return loanView(fresh.loan, fresh.rows, today);
}
