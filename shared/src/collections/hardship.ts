/**
 * Hardship extension (展期): for a borrower in temporary difficulty, the unpaid principal is
 * re-amortised over a longer term, the unpaid penalty interest is waived, and nothing else
 * changes hands. Pure; the caller persists the result in one transaction.
 *
 * How the rows change (so the schedule and the ledger stay consistent — the loan's principal
 * equals the sum of its installments' principal, and the principal still owed is unchanged):
 * - every unpaid installment is closed at what was paid on it (principal, interest, fee and
 *   penalty shrink to their paid parts; its unpaid interest/fee is carried, its unpaid penalty
 *   waived): `paid` when something had been paid on it, `canceled` when nothing had;
 * - new installments, numbered after the last, re-amortise the unpaid principal with the
 *   loan's own method and nominal rate over `months`, first due one month after `startDate`;
 * - the carried (already scheduled, unpaid) interest and fee are added to the first new
 *   installment — deferred, never charged twice, never capitalised (no interest on interest).
 * Nothing is posted to the ledger: principal receivable is unchanged and interest, fees and
 * penalty are recognised when collected.
 */
import type { BusinessDate } from '../dates';
import type { Decimal } from '../decimal';
import type { Fen } from '../money';
import { buildSchedule, type RepaymentMethod } from '../schedule';

export const EXTENSION_MONTHS_OPTIONS: readonly number[] = [3, 6, 12];
export const EXTENDABLE_METHODS: readonly RepaymentMethod[] = [
  'equal_installment',
  'equal_principal',
  'interest_first',
];

export interface ExtensionRowIn {
  number: number;
  dueDate: BusinessDate;
  status: 'pending' | 'due' | 'overdue' | 'paid' | 'canceled';
  principalFen: Fen;
  interestFen: Fen;
  feeFen: Fen;
  penaltyFen: Fen;
  paidPrincipalFen: Fen;
  paidInterestFen: Fen;
  paidFeeFen: Fen;
  paidPenaltyFen: Fen;
  waivedInterestFen: Fen;
  waivedFeeFen: Fen;
}

export interface ClosedRow {
  number: number;
  status: 'paid' | 'canceled';
  principalFen: Fen;
  interestFen: Fen;
  feeFen: Fen;
  penaltyFen: Fen;
}

export interface NewRow {
  number: number;
  dueDate: BusinessDate;
  principalFen: Fen;
  interestFen: Fen;
  feeFen: Fen;
}

export interface ExtensionPlan {
  months: number;
  closed: ClosedRow[];
  added: NewRow[];
  remainingPrincipalFen: Fen;
  carriedInterestFen: Fen;
  carriedFeeFen: Fen;
  waivedPenaltyFen: Fen;
  /** Interest of the new schedule (excluding the carried interest). */
  newInterestFen: Fen;
}

export type ExtensionRefusal = 'extension_not_available' | 'extension_months_invalid' | 'nothing_to_extend';

export function planExtension(input: {
  rows: readonly ExtensionRowIn[];
  method: RepaymentMethod;
  annualRate: Decimal;
  months: number;
  startDate: BusinessDate;
}): { ok: true; value: ExtensionPlan } | { ok: false; code: ExtensionRefusal } {
  if (!EXTENSION_MONTHS_OPTIONS.includes(input.months))
    return { ok: false, code: 'extension_months_invalid' };
  if (!EXTENDABLE_METHODS.includes(input.method)) return { ok: false, code: 'extension_not_available' };
  const open = input.rows.filter((r) => r.status !== 'paid' && r.status !== 'canceled');
  let remaining = 0n;
  let carriedInterest = 0n;
  let carriedFee = 0n;
  let waivedPenalty = 0n;
  const closed: ClosedRow[] = [];
  for (const r of open) {
    remaining += r.principalFen - r.paidPrincipalFen;
    carriedInterest += r.interestFen - r.waivedInterestFen - r.paidInterestFen;
    carriedFee += r.feeFen - r.waivedFeeFen - r.paidFeeFen;
    waivedPenalty += r.penaltyFen - r.paidPenaltyFen;
    const anyPaid = r.paidPrincipalFen + r.paidInterestFen + r.paidFeeFen + r.paidPenaltyFen > 0n;
    closed.push({
      number: r.number,
      status: anyPaid ? 'paid' : 'canceled',
      principalFen: r.paidPrincipalFen,
      interestFen: r.paidInterestFen + r.waivedInterestFen,
      feeFen: r.paidFeeFen + r.waivedFeeFen,
      penaltyFen: r.paidPenaltyFen,
    });
  }
  if (remaining <= 0n) return { ok: false, code: 'nothing_to_extend' };
  if (carriedInterest < 0n || carriedFee < 0n || waivedPenalty < 0n)
    throw new Error('hardship: paid more than owed on a row');
  const schedule = buildSchedule({
    principalFen: remaining,
    method: input.method,
    annualRate: input.annualRate,
    term: { months: input.months },
    startDate: input.startDate,
  });
  const lastNumber = input.rows.reduce((m, r) => Math.max(m, r.number), 0);
  const added: NewRow[] = schedule.installments.map((i, k) => ({
    number: lastNumber + 1 + k,
    dueDate: i.dueDate,
    principalFen: i.principalFen,
    interestFen: i.interestFen + (k === 0 ? carriedInterest : 0n),
    feeFen: i.feeFen + (k === 0 ? carriedFee : 0n),
  }));
  return {
    ok: true,
    value: {
      months: input.months,
      closed,
      added,
      remainingPrincipalFen: remaining,
      carriedInterestFen: carriedInterest,
      carriedFeeFen: carriedFee,
      waivedPenaltyFen: waivedPenalty,
      newInterestFen: schedule.totalInterestFen,
    },
  };
}
