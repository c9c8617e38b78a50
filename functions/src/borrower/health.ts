/**
 * Inputs of the borrowing health score (借贷健康度) from the database; the score itself is the
 * domain's `healthScore` (formula documented there).
 */
import { addFen, healthScore, sumFen } from '@fenqi/shared';
import { and, asc, eq, notInArray } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import type { UserRow } from './common';

type Reader = Database['db'] | Tx;

const OPEN_STATUSES = ['cooling_off', 'active', 'overdue'] as const;

/** The monthly payment of each open loan (its first unpaid installment's scheduled amount). */
export interface OpenLoanBook {
  paymentsFen: bigint[];
  anyOverdue: boolean;
  /** Any loan that was not canceled, open or closed. */
  anyLoan: boolean;
}

async function openLoanPayments(db: Reader, userId: string): Promise<OpenLoanBook> {
  const rows = await db
    .select({
      loanId: schema.loans.id,
      loanStatus: schema.loans.status,
      principalFen: schema.installments.principalFen,
      interestFen: schema.installments.interestFen,
      feeFen: schema.installments.feeFen,
    })
    .from(schema.loans)
    .leftJoin(
      schema.installments,
      and(
        eq(schema.installments.loanId, schema.loans.id),
        notInArray(schema.installments.status, ['paid', 'canceled']),
      ),
    )
    .where(eq(schema.loans.userId, userId))
    .orderBy(asc(schema.loans.id), asc(schema.installments.number));
  const first = new Map<string, bigint>();
  let anyOverdue = false;
  let anyLoan = false;
  for (const r of rows) {
    if (r.loanStatus !== 'canceled') anyLoan = true;
    if (!(OPEN_STATUSES as readonly string[]).includes(r.loanStatus)) continue;
    if (r.loanStatus === 'overdue') anyOverdue = true;
    if (r.principalFen !== null && r.interestFen !== null && r.feeFen !== null && !first.has(r.loanId)) {
      first.set(r.loanId, sumFen([r.principalFen, r.interestFen, r.feeFen]));
    }
  }
  return { paymentsFen: [...first.values()], anyOverdue, anyLoan };
}

export interface HealthResult {
  score: number;
  factors: {
    monthly_income: number;
    monthly_debt_payment: number;
    other_lenders: number;
    late_installments_12m: number;
    currently_overdue: boolean;
    no_history: boolean;
  };
}

/**
 * Health score with `extraMonthlyPaymentFen` added to the debts (the loan being considered;
 * 0 for the profile view).
 */
export async function computeHealth(
  db: Reader,
  user: UserRow,
  extraMonthlyPaymentFen: bigint,
): Promise<HealthResult> {
  return healthFromBook(user, await openLoanPayments(db, user.id), extraMonthlyPaymentFen);
}

/** The health score from an already loaded book of open loans (see `loadSnapshot`). */
export function healthFromBook(
  user: UserRow,
  own: OpenLoanBook,
  extraMonthlyPaymentFen: bigint,
): HealthResult {
  const incomeFen = user.declaredMonthlyIncomeFen ?? 0n;
  const debtFen = addFen(
    addFen(user.monthlyDebtPaymentsFen, sumFen(own.paymentsFen)),
    extraMonthlyPaymentFen,
  );
  const input = {
    monthlyIncomeFen: incomeFen,
    monthlyDebtPaymentFen: debtFen,
    otherLendersCount: user.otherLendersCount,
    lateInstallments12m: user.overdueHistoryCount,
    currentlyOverdue: own.anyOverdue,
    noHistory: !own.anyLoan && user.onTimeRepaymentsCount === 0 && user.overdueHistoryCount === 0,
  };
  return {
    score: healthScore(input),
    factors: {
      monthly_income: Number(incomeFen),
      monthly_debt_payment: Number(debtFen),
      other_lenders: input.otherLendersCount,
      late_installments_12m: input.lateInstallments12m,
      currently_overdue: input.currentlyOverdue,
      no_history: input.noHistory,
    },
  };
}
