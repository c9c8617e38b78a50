import { addMonths, type BusinessDate } from './dates';
import type { Fen } from './money';
import {
  applyPayment,
  installmentPaymentFen,
  isPaid,
  type Loan,
  outstandingTotal,
  payoffQuote,
} from './repayment';
import { assert } from './result';

/** Smallest prepayment worth suggesting: ¥100. */
export const SMART_PREPAY_FEN_MIN = 10_000n;
/** Default amount left untouched in the idle balance: ¥1,000. */
export const SMART_RESERVE_FEN_DEFAULT = 100_000n;

export type SmartSuggestion =
  | {
      readonly kind: 'prepay';
      /** Total to pay today: what is due/current plus the prepayment (or the payoff amount). */
      readonly amountFen: Fen;
      /** Interest (and fees) no longer owed compared with paying only the current bill. */
      readonly interestSavedFen: Fen;
      readonly paysOff: boolean;
    }
  | { readonly kind: 'payday_deduction'; readonly deductOn: BusinessDate; readonly amountFen: Fen };

function owedTotal(loan: Loan): Fen {
  let t = 0n;
  for (const i of loan.installments) t += outstandingTotal(i);
  return t;
}

/**
 * "Smart repayment" (智能还款) proposals, computed with the same engine that applies payments:
 * - `prepay` when the idle balance (零钱) minus a reserve (default ¥1,000) exceeds what is due by
 *   at least ¥100: pay the current bill plus the spare (capped at the payoff); the saving is the
 *   interest and fees still owed afterwards compared with paying the bill alone;
 * - `payday_deduction` when a monthly payday is known: deduct the next bill on the last payday on
 *   or before its due date (paydays clamp to month end).
 */
export function suggestSmartRepayment(input: {
  loan: Loan;
  asOf: BusinessDate;
  idleBalanceFen: Fen;
  reserveFen?: Fen;
  paydayOfMonth?: number;
}): SmartSuggestion[] {
  const { loan, asOf } = input;
  if (loan.closedOn !== null) return [];
  const out: SmartSuggestion[] = [];
  const billFen = installmentPaymentFen(loan, asOf);
  const spare = input.idleBalanceFen - (input.reserveFen ?? SMART_RESERVE_FEN_DEFAULT) - billFen;
  if (billFen > 0n && spare >= SMART_PREPAY_FEN_MIN) {
    const payoff = payoffQuote(loan, asOf).amountFen;
    const amountFen = billFen + spare > payoff ? payoff : billFen + spare;
    const billOnly = applyPayment(loan, { amountFen: billFen, asOf });
    const withPrepay = applyPayment(loan, { amountFen, asOf });
    assert(billOnly.ok && withPrepay.ok, 'smart repayment: payments on an open loan');
    // Everything the borrower pays from now on: today's payment (less any credit back) plus all
    // still owed afterwards. Principal is the same either way, so the difference is interest/fees.
    const totalA = billFen - billOnly.value.toCreditFen + owedTotal(billOnly.value.loan);
    const totalB = amountFen - withPrepay.value.toCreditFen + owedTotal(withPrepay.value.loan);
    out.push({ kind: 'prepay', amountFen, interestSavedFen: totalA - totalB, paysOff: amountFen === payoff });
  }
  if (input.paydayOfMonth !== undefined) {
    const day = input.paydayOfMonth;
    assert(Number.isInteger(day) && day >= 1 && day <= 31, 'smart repayment: payday out of range');
    const next = loan.installments.find((i) => !isPaid(i) && i.dueDate >= asOf);
    if (next) {
      let payday = addMonths(next.dueDate, 0, day);
      if (payday > next.dueDate) payday = addMonths(next.dueDate, -1, day);
      if (payday >= asOf)
        out.push({
          kind: 'payday_deduction',
          deductOn: payday,
          amountFen: installmentPaymentFen(loan, next.dueDate),
        });
    }
  }
  return out;
}
