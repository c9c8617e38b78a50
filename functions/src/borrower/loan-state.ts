/**
 * The bridge between the database rows of a loan and the domain's `Loan`:
 * - `toDomainLoan`: rows → domain (scheduled interest/fee net of waivers and rebates, paid
 *   interest/fee net of rebates — money paid and given back by a prepayment or payoff; grace
 *   interest is already folded into `interest_fen` when it is accrued, so it maps to 0 here);
 * - `persistAccrual`: domain `accrueTo` → penalty and grace interest written back;
 * - `loanView`: the API shape of a loan with per-installment status as of a date.
 */
import {
  accrueTo,
  type BusinessDate,
  type Loan as DomainLoan,
  dec,
  decNormalize,
  decToString,
  fenToJson,
  installmentStatus,
  type LoanInstallment,
  loanStatus,
  outstandingTotal,
  subtractFen,
  sumFen,
} from '@fenqi/shared';
import { eq, sql } from 'drizzle-orm';
import { shanghaiDate } from '../clock';
import { schema, type Tx } from '../db';

export type LoanRow = typeof schema.loans.$inferSelect;
export type InstallmentRow = typeof schema.installments.$inferSelect;

export function toDomainLoan(loan: LoanRow, rows: readonly InstallmentRow[]): DomainLoan {
  const live = rows.filter((r) => r.status !== 'canceled');
  const installments: LoanInstallment[] = live.map((r, k) => ({
    number: r.number,
    dueDate: r.dueDate,
    periodStartDate: k === 0 ? loan.startDate : (live[k - 1] as InstallmentRow).dueDate,
    principalFen: r.principalFen,
    interestFen: netInterestFen(r),
    graceInterestFen: 0n,
    feeFen: netFeeFen(r),
    penaltyFen: r.penaltyFen,
    paidPrincipalFen: r.paidPrincipalFen,
    paidInterestFen: subtractFen(r.paidInterestFen, r.rebatedInterestFen),
    paidFeeFen: subtractFen(r.paidFeeFen, r.rebatedFeeFen),
    paidPenaltyFen: r.paidPenaltyFen,
    graceUntil: r.graceUntil,
    settledInterestFen: r.interestSettledFen,
    settledOn: r.interestSettledOn,
  }));
  return {
    principalFen: loan.principalFen,
    method: loan.method,
    annualRate: dec(loan.annualRate),
    startDate: loan.startDate,
    installments,
    accruedThrough: loan.accruedThrough ?? loan.startDate,
    creditBalanceFen: loan.creditBalanceFen,
    // Merchant refunds lower the rows' principal (see the merchant area's refund path).
    refundedPrincipalFen: subtractFen(loan.principalFen, sumFen(installments.map((i) => i.principalFen))),
    closedOn: loan.status === 'paid_off' && loan.paidOffAt ? shanghaiDate(loan.paidOffAt) : null,
  };
}

/** Interest the row charges the borrower: scheduled − waived − rebated (paid, given back). */
function netInterestFen(r: InstallmentRow): bigint {
  return subtractFen(r.interestFen, sumFen([r.waivedInterestFen, r.rebatedInterestFen]));
}

/** Fee the row charges the borrower: scheduled − waived − rebated. */
function netFeeFen(r: InstallmentRow): bigint {
  return subtractFen(r.feeFen, sumFen([r.waivedFeeFen, r.rebatedFeeFen]));
}

/**
 * Accrues penalty / grace interest to `asOf` and writes the increments back. Returns the
 * updated rows (the caller holds the loan's row lock).
 */
export async function persistAccrual(
  tx: Tx,
  loan: LoanRow,
  rows: InstallmentRow[],
  asOf: BusinessDate,
): Promise<{ loan: LoanRow; rows: InstallmentRow[] }> {
  if (loan.status !== 'active' && loan.status !== 'overdue') return { loan, rows };
  const before = toDomainLoan(loan, rows);
  const after = accrueTo(before, asOf);
  if (after === before) return { loan, rows };
  const byNumber = new Map(after.installments.map((i) => [i.number, i]));
  const out: InstallmentRow[] = [];
  for (const r of rows) {
    const a = byNumber.get(r.number);
    if (!a || (a.penaltyFen === r.penaltyFen && a.graceInterestFen === 0n)) {
      out.push(r);
      continue;
    }
    const interestFen = sumFen([r.interestFen, a.graceInterestFen]);
    await tx
      .update(schema.installments)
      .set({ penaltyFen: a.penaltyFen, interestFen, penaltyAccruedThrough: asOf })
      .where(eq(schema.installments.id, r.id));
    out.push({ ...r, penaltyFen: a.penaltyFen, interestFen, penaltyAccruedThrough: asOf });
  }
  await tx
    .update(schema.loans)
    .set({ accruedThrough: asOf, updatedAt: sql`now()` })
    .where(eq(schema.loans.id, loan.id));
  return { loan: { ...loan, accruedThrough: asOf }, rows: out };
}

/** Stored statuses (pending / due / overdue / paid) and the loan's status, as of `asOf`. */
export async function persistStatuses(
  tx: Tx,
  loan: LoanRow,
  rows: InstallmentRow[],
  asOf: BusinessDate,
): Promise<LoanRow> {
  if (loan.status !== 'active' && loan.status !== 'overdue') return loan;
  const domain = toDomainLoan(loan, rows);
  let changed = false;
  for (const i of domain.installments) {
    const s = installmentStatus(i, asOf);
    const stored = s === 'grace' ? 'due' : s;
    const row = rows.find((r) => r.number === i.number);
    if (row && row.status !== stored && row.status !== 'canceled') {
      await tx.update(schema.installments).set({ status: stored }).where(eq(schema.installments.id, row.id));
      changed = true;
    }
  }
  const status = loanStatus(domain, asOf);
  if (status !== loan.status && status !== 'paid_off') {
    const [updated] = await tx
      .update(schema.loans)
      .set({ status, updatedAt: sql`now()` })
      .where(eq(schema.loans.id, loan.id))
      .returning();
    return updated ?? { ...loan, status };
  }
  // A new object when only installment statuses moved, so callers know to re-read.
  return changed ? { ...loan } : loan;
}

const money = (fen: bigint) => fenToJson(fen);

/** The API shape of a loan (GET /v1/loans/{id}, POST /v1/loans). */
export function loanView(loan: LoanRow, rows: readonly InstallmentRow[], asOf: BusinessDate) {
  const domain = toDomainLoan(loan, rows);
  const byNumber = new Map(domain.installments.map((i) => [i.number, i]));
  const closedOrCanceled = loan.status === 'canceled' || loan.status === 'cooling_off';
  const installments = rows.map((r) => {
    const d = byNumber.get(r.number);
    const status =
      r.status === 'canceled'
        ? 'canceled'
        : closedOrCanceled
          ? 'pending'
          : d
            ? installmentStatus(d, asOf)
            : r.status;
    const paidInterestFen = subtractFen(r.paidInterestFen, r.rebatedInterestFen);
    const paidFeeFen = subtractFen(r.paidFeeFen, r.rebatedFeeFen);
    const paid = sumFen([r.paidPrincipalFen, paidInterestFen, paidFeeFen, r.paidPenaltyFen]);
    return {
      id: r.id,
      number: r.number,
      due_date: r.dueDate,
      principal_amount: money(r.principalFen),
      interest_amount: money(netInterestFen(r)),
      fee_amount: money(netFeeFen(r)),
      penalty_amount: money(r.penaltyFen),
      amount: money(sumFen([r.principalFen, netInterestFen(r), netFeeFen(r), r.penaltyFen])),
      paid_amount: money(paid),
      paid_principal_amount: money(r.paidPrincipalFen),
      paid_interest_amount: money(paidInterestFen),
      paid_fee_amount: money(paidFeeFen),
      paid_penalty_amount: money(r.paidPenaltyFen),
      outstanding_amount: money(d ? outstandingTotal(d) : 0n),
      status,
      grace_until: r.graceUntil,
      paid_at: r.paidAt?.toISOString() ?? null,
    };
  });
  const open = domain.installments;
  return {
    id: loan.id,
    object: 'loan',
    // Shown as of today even before the batch has stored it (the batch and any write agree).
    status: loan.status === 'active' || loan.status === 'overdue' ? loanStatus(domain, asOf) : loan.status,
    product: loan.product,
    method: loan.method,
    currency: loan.currency,
    principal_amount: money(loan.principalFen),
    term_months: loan.termMonths,
    term_days: loan.termDays,
    apr: trimRate(loan.apr),
    monthly_rate: trimRate(loan.monthlyRate),
    daily_rate: trimRate(loan.dailyRate),
    nominal_annual_rate: trimRate(loan.annualRate),
    penalty_daily_rate: trimRate(loan.penaltyDailyRate),
    total_interest_amount: money(loan.totalInterestFen),
    total_fee_amount: money(loan.totalFeeFen),
    total_amount: money(sumFen([loan.principalFen, loan.totalInterestFen, loan.totalFeeFen])),
    outstanding_principal_amount: money(
      sumFen(open.map((i) => subtractFen(i.principalFen, i.paidPrincipalFen))),
    ),
    outstanding_amount: money(closedOrCanceled ? 0n : sumFen(open.map(outstandingTotal))),
    credit_balance_amount: money(loan.creditBalanceFen),
    start_date: loan.startDate,
    cooling_off_until: loan.coolingOffUntil?.toISOString() ?? null,
    disbursed_at: loan.disbursedAt?.toISOString() ?? null,
    canceled_at: loan.canceledAt?.toISOString() ?? null,
    paid_off_at: loan.paidOffAt?.toISOString() ?? null,
    disbursement_target: loan.disbursementTarget,
    created_at: loan.createdAt.toISOString(),
    installments,
  };
}

/** `0.1350000000` (numeric(20,10)) → `0.135`; `0.0000000000` → `0`. */
export function trimRate(x: string): string {
  return decToString(decNormalize(dec(x)));
}
