import type { Fen } from './money';
import { assert, ok, type Result, refuse } from './result';

export interface HealthInput {
  /** Monthly income (fen). */
  readonly monthlyIncomeFen: Fen;
  /** All monthly debt payments, including the loan being considered (fen). */
  readonly monthlyDebtPaymentFen: Fen;
  /** Number of other lenders the person currently owes (多头借贷). */
  readonly otherLendersCount: number;
  /** Late installments (any lender) in the last 12 months. */
  readonly lateInstallments12m: number;
  /** Whether anything is overdue right now. */
  readonly currentlyOverdue: boolean;
  /** No repayment history at all (new user). */
  readonly noHistory: boolean;
}

/** Below this the person cannot borrow; from `HEALTH_SAFE_MIN` on the score reads "safe". */
export const HEALTH_BLOCK_BELOW = 60;
export const HEALTH_SAFE_MIN = 80;

/**
 * Borrowing health score 借贷健康度, 0–100, integer, the sum of three parts:
 * - debt-to-income (50 points): dti = monthly debt payments / monthly income;
 *   dti ≤ 20 % → 50, dti ≥ 70 % (or no income) → 0, linear in between, floored:
 *   floor(50 × (70 % − dti) / 50 %);
 * - other lenders (20 points): 20 − 4 × count, at least 0 (5 or more → 0);
 * - repayment history (30 points): no history → 20; otherwise 30 − 10 × late installments in
 *   12 months, − 15 when currently overdue, at least 0.
 */
export function healthScore(input: HealthInput): number {
  assert(input.monthlyIncomeFen >= 0n && input.monthlyDebtPaymentFen >= 0n, 'health: negative amounts');
  assert(Number.isInteger(input.otherLendersCount) && input.otherLendersCount >= 0, 'health: lenders count');
  assert(Number.isInteger(input.lateInstallments12m) && input.lateInstallments12m >= 0, 'health: late count');
  let dtiPoints: number;
  if (input.monthlyIncomeFen === 0n) dtiPoints = input.monthlyDebtPaymentFen === 0n ? 50 : 0;
  else {
    // dti in basis points, rounded down
    const dtiBp = (input.monthlyDebtPaymentFen * 10_000n) / input.monthlyIncomeFen;
    if (dtiBp <= 2_000n) dtiPoints = 50;
    else if (dtiBp >= 7_000n) dtiPoints = 0;
    else dtiPoints = Number((50n * (7_000n - dtiBp)) / 5_000n);
  }
  const lenderPoints = Math.max(0, 20 - 4 * input.otherLendersCount);
  const historyPoints = input.noHistory
    ? 20
    : Math.max(0, 30 - 10 * input.lateInstallments12m - (input.currentlyOverdue ? 15 : 0));
  return dtiPoints + lenderPoints + historyPoints;
}

export type HealthBand = 'safe' | 'caution' | 'blocked';

export function healthBand(score: number): HealthBand {
  return score >= HEALTH_SAFE_MIN ? 'safe' : score >= HEALTH_BLOCK_BELOW ? 'caution' : 'blocked';
}

/** Cooling-off (冷静期) length in hours. */
export const COOLING_OFF_HOURS = 24;
export const COOLING_OFF_MS = COOLING_OFF_HOURS * 3_600_000;
const LOW_INCOME_FEN = 500_000n; // ¥5,000
const LOW_INCOME_LOAN_FEN = 300_000n; // ¥3,000

export type CoolingOffReason = 'loan_over_60_percent_of_income' | 'low_income_loan_over_3000';

/**
 * Cooling-off triggers: the loan exceeds 60 % of monthly income (principal × 100 > income × 60),
 * or monthly income is below ¥5,000 and the loan is over ¥3,000. Either way the money arrives
 * only after 24 hours and the loan can be canceled free of charge in that window.
 */
export function coolingOff(input: {
  principalFen: Fen;
  monthlyIncomeFen: Fen;
}): { required: false } | { required: true; hours: number; reason: CoolingOffReason } {
  if (input.principalFen * 100n > input.monthlyIncomeFen * 60n)
    return { required: true, hours: COOLING_OFF_HOURS, reason: 'loan_over_60_percent_of_income' };
  if (input.monthlyIncomeFen < LOW_INCOME_FEN && input.principalFen > LOW_INCOME_LOAN_FEN)
    return { required: true, hours: COOLING_OFF_HOURS, reason: 'low_income_loan_over_3000' };
  return { required: false };
}

/** Instant (epoch ms) at which a cooling-off loan requested at `requestedAtMs` may be disbursed. */
export function coolingOffEndsAtMs(requestedAtMs: number): number {
  assert(Number.isSafeInteger(requestedAtMs), 'cooling off: bad instant');
  return requestedAtMs + COOLING_OFF_MS;
}

/**
 * For a caller that wants the money at once (e.g. an instant-disbursement request): refuses with
 * `cooling_off_required` when the loan falls under a cooling-off trigger.
 */
export function checkInstantDisbursement(input: {
  principalFen: Fen;
  monthlyIncomeFen: Fen;
}): Result<true, 'cooling_off_required'> {
  const c = coolingOff(input);
  return c.required
    ? refuse('cooling_off_required', `this loan has a ${c.hours}-hour cooling-off period (${c.reason})`)
    : ok(true);
}

/** Refuses disbursement (and allows free cancellation) while the window is open. */
export function checkCoolingOffOver(input: {
  requestedAtMs: number;
  nowMs: number;
}): Result<true, 'cooling_off_active'> {
  return input.nowMs < coolingOffEndsAtMs(input.requestedAtMs)
    ? refuse('cooling_off_active', 'the loan is in its 24-hour cooling-off period')
    : ok(true);
}

export interface BorrowingCheckInput {
  readonly educationPassed: boolean;
  readonly healthScore: number;
  readonly principalFen: Fen;
  readonly monthlyIncomeFen: Fen;
}

export interface BorrowingAssessment {
  readonly coolingOff: ReturnType<typeof coolingOff>;
  readonly healthBand: HealthBand;
}

/**
 * Suitability gate before any loan: education quiz passed (required before the first loan, and
 * nobody has a loan without it), health score ≥ 60. Passing returns whether cooling-off applies.
 */
export function assessBorrowing(
  input: BorrowingCheckInput,
): Result<BorrowingAssessment, 'education_required' | 'health_score_too_low'> {
  if (!input.educationPassed)
    return refuse('education_required', 'complete the risk-education video and quiz before the first loan');
  if (input.healthScore < HEALTH_BLOCK_BELOW)
    return refuse(
      'health_score_too_low',
      'borrowing health score below 60: borrowing is paused; see the financial-planning lessons',
    );
  return ok({ coolingOff: coolingOff(input), healthBand: healthBand(input.healthScore) });
}
