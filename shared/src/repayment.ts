import { addDays, addMonths, type BusinessDate, daysBetween, maxDate, minDate, yearOf } from './dates';
import { type Decimal, dec, divRound, pow10 } from './decimal';
import { type Fen, fenToJson } from './money';
import { assert, ok, type Result, refuse } from './result';
import {
  dailyInterestFen,
  levelPaymentFen,
  monthlyInterestFen,
  type RepaymentMethod,
  type Schedule,
} from './schedule';

/** Overdue penalty interest: 0.05 % per day on the unpaid overdue principal. */
export const PENALTY_DAILY_RATE: Decimal = dec('0.0005');
/** Grace periods: at most 2 per calendar year (of the installment's due date), at most 3 days each. */
export const GRACE_PER_YEAR_MAX = 2;
export const GRACE_DAYS_MAX = 3;
const INSTALLMENTS_MAX = 400;

/** One installment of a live loan: what is owed and what has been paid, per component. */
export interface LoanInstallment {
  readonly number: number;
  readonly dueDate: BusinessDate;
  readonly periodStartDate: BusinessDate;
  readonly principalFen: Fen;
  /** Scheduled interest of the period (after any re-amortization or payoff waiver). */
  readonly interestFen: Fen;
  /** Ordinary interest that kept running during a grace period. */
  readonly graceInterestFen: Fen;
  readonly feeFen: Fen;
  readonly penaltyFen: Fen;
  readonly paidPrincipalFen: Fen;
  /** Pays `interestFen + graceInterestFen`. */
  readonly paidInterestFen: Fen;
  readonly paidFeeFen: Fen;
  readonly paidPenaltyFen: Fen;
  /** Last day of an approved grace period (inclusive), or null. */
  readonly graceUntil: BusinessDate | null;
  /**
   * Set when a prepayment or refund re-amortized this installment in the middle of its period:
   * the interest earned up to that day (`settledInterestFen`, on the old balance) and the day
   * (`settledOn`). The rest of `interestFen` accrues pro rata over (settledOn, dueDate] — see
   * `accruedInterestFen`. Absent / null: the whole period accrues pro rata.
   */
  readonly settledInterestFen?: Fen;
  readonly settledOn?: BusinessDate | null;
}

export interface Loan {
  readonly principalFen: Fen;
  readonly method: RepaymentMethod;
  readonly annualRate: Decimal;
  readonly startDate: BusinessDate;
  readonly installments: readonly LoanInstallment[];
  /** Penalty and grace interest have been accrued for every day up to and including this date. */
  readonly accruedThrough: BusinessDate;
  /** Money paid beyond everything owed (returned to the person or kept for them). */
  readonly creditBalanceFen: Fen;
  /** Principal taken off the debt by merchant refunds (installment principals sum to principal − this). */
  readonly refundedPrincipalFen: Fen;
  /** Set when everything is paid. */
  readonly closedOn: BusinessDate | null;
}

/** Unpaid amounts of one installment. */
export interface Outstanding {
  readonly penaltyFen: Fen;
  readonly feeFen: Fen;
  readonly interestFen: Fen;
  readonly principalFen: Fen;
}

export function outstandingOf(i: LoanInstallment): Outstanding {
  return {
    penaltyFen: i.penaltyFen - i.paidPenaltyFen,
    feeFen: i.feeFen - i.paidFeeFen,
    interestFen: i.interestFen + i.graceInterestFen - i.paidInterestFen,
    principalFen: i.principalFen - i.paidPrincipalFen,
  };
}

export function outstandingTotal(i: LoanInstallment): Fen {
  const o = outstandingOf(i);
  return o.penaltyFen + o.feeFen + o.interestFen + o.principalFen;
}

export function isPaid(i: LoanInstallment): boolean {
  return outstandingTotal(i) === 0n;
}

/** A new loan from its schedule, disbursed on the schedule's start date. */
export function openLoan(schedule: Schedule): Loan {
  assert(schedule.installments.length <= INSTALLMENTS_MAX, 'loan: too many installments');
  return {
    principalFen: schedule.principalFen,
    method: schedule.method,
    annualRate: schedule.annualRate,
    startDate: schedule.startDate,
    installments: schedule.installments.map((i) => ({
      number: i.number,
      dueDate: i.dueDate,
      periodStartDate: i.periodStartDate,
      principalFen: i.principalFen,
      interestFen: i.interestFen,
      graceInterestFen: 0n,
      feeFen: i.feeFen,
      penaltyFen: 0n,
      paidPrincipalFen: 0n,
      paidInterestFen: 0n,
      paidFeeFen: 0n,
      paidPenaltyFen: 0n,
      graceUntil: null,
    })),
    accruedThrough: schedule.startDate,
    creditBalanceFen: 0n,
    refundedPrincipalFen: 0n,
    closedOn: null,
  };
}

export type InstallmentStatus = 'paid' | 'pending' | 'due' | 'grace' | 'overdue';

/** pending (before due date), due (on it), grace (after it, within an approved grace period), overdue, paid. */
export function installmentStatus(i: LoanInstallment, asOf: BusinessDate): InstallmentStatus {
  if (isPaid(i)) return 'paid';
  if (asOf < i.dueDate) return 'pending';
  if (asOf === i.dueDate) return 'due';
  if (i.graceUntil !== null && asOf <= i.graceUntil) return 'grace';
  return 'overdue';
}

export type LoanStatus = 'active' | 'overdue' | 'paid_off';

export function loanStatus(loan: Loan, asOf: BusinessDate): LoanStatus {
  if (loan.closedOn !== null) return 'paid_off';
  return loan.installments.some((i) => installmentStatus(i, asOf) === 'overdue') ? 'overdue' : 'active';
}

/** Penalty for one day on `principalFen` overdue: round_half_up(principal × 0.0005). */
export function penaltyPerDayFen(principalFen: Fen): Fen {
  return divRound(principalFen * PENALTY_DAILY_RATE.units, pow10(PENALTY_DAILY_RATE.scale));
}

/**
 * Accrues, for every day in (accruedThrough, asOf], on each installment whose due date has
 * passed and whose principal is unpaid:
 * - within an approved grace period: ordinary interest, round_half_up(unpaid principal × annual / 365) a day;
 * - otherwise: penalty interest, round_half_up(unpaid principal × 0.05 %) a day.
 * Each day is rounded on its own, so accruing day by day (the daily batch) and in one step give
 * the same fen. Idempotent for dates already accrued.
 */
export function accrueTo(loan: Loan, asOf: BusinessDate): Loan {
  if (asOf <= loan.accruedThrough || loan.closedOn !== null) return loan;
  const from = loan.accruedThrough;
  const installments = loan.installments.map((i) => {
    const unpaid = i.principalFen - i.paidPrincipalFen;
    if (unpaid === 0n || asOf <= i.dueDate) return i;
    // days d with from < d ≤ asOf and d > dueDate
    const first = maxDate(addDays(from, 1), addDays(i.dueDate, 1));
    if (first > asOf) return i;
    let graceDays = 0;
    if (i.graceUntil !== null && first <= i.graceUntil)
      graceDays = daysBetween(first, minDate(i.graceUntil, asOf)) + 1;
    const penaltyDays = daysBetween(first, asOf) + 1 - graceDays;
    return {
      ...i,
      graceInterestFen: i.graceInterestFen + BigInt(graceDays) * dailyInterestFen(unpaid, loan.annualRate, 1),
      penaltyFen: i.penaltyFen + BigInt(penaltyDays) * penaltyPerDayFen(unpaid),
    };
  });
  return { ...loan, installments, accruedThrough: asOf };
}

export interface PayoffQuote {
  readonly amountFen: Fen;
  readonly principalFen: Fen;
  readonly interestFen: Fen;
  readonly penaltyFen: Fen;
  readonly feeFen: Fen;
  /** Interest or fees paid in advance on not-yet-due installments beyond what payoff charges, deducted. */
  readonly rebateFen: Fen;
  readonly asOf: BusinessDate;
}

/**
 * Interest of a not-yet-due installment earned by `asOf`: its scheduled interest pro rata to the
 * elapsed days of its period, round_half_up(interest × elapsed / periodDays); 0 for periods that
 * have not started. For an installment re-amortized mid-period (`settledOn`), the interest earned
 * by then is kept and only the rest accrues pro rata from that day:
 * settled + round_half_up((interest − settled) × days since settledOn / days settledOn → due),
 * so a later payoff or prepayment never charges less (or more) than was already settled.
 */
export function accruedInterestFen(i: LoanInstallment, asOf: BusinessDate): Fen {
  if (asOf >= i.dueDate) return i.interestFen;
  const settledOn = i.settledOn ?? null;
  if (settledOn !== null && settledOn > i.periodStartDate && settledOn < i.dueDate) {
    const settled = i.settledInterestFen ?? 0n;
    if (asOf >= settledOn) {
      return (
        settled +
        divRound(
          (i.interestFen - settled) * BigInt(daysBetween(settledOn, asOf)),
          BigInt(daysBetween(settledOn, i.dueDate)),
        )
      );
    }
    if (asOf <= i.periodStartDate) return 0n;
    return divRound(
      settled * BigInt(daysBetween(i.periodStartDate, asOf)),
      BigInt(daysBetween(i.periodStartDate, settledOn)),
    );
  }
  if (asOf <= i.periodStartDate) return 0n;
  const periodDays = daysBetween(i.periodStartDate, i.dueDate);
  return divRound(i.interestFen * BigInt(daysBetween(i.periodStartDate, asOf)), BigInt(periodDays));
}

/** What each installment owes on an early payoff as of `asOf` (amounts owed, not outstanding). */
function payoffTerms(i: LoanInstallment, asOf: BusinessDate): { interestFen: Fen; feeFen: Fen } {
  if (i.dueDate <= asOf) return { interestFen: i.interestFen, feeFen: i.feeFen };
  return { interestFen: accruedInterestFen(i, asOf), feeFen: 0n };
}

/**
 * What paying everything off on `asOf` costs (no early-repayment fee): everything unpaid on
 * installments due by `asOf` (with penalty and grace interest accrued to `asOf`), plus on later
 * installments their unpaid principal and only the interest earned by `asOf` (see
 * `accruedInterestFen`); their fees are waived, and interest or fees already paid on them beyond
 * that are deducted as a rebate.
 */
export function payoffQuote(loanIn: Loan, asOf: BusinessDate): PayoffQuote {
  const loan = accrueTo(loanIn, asOf);
  let principal = 0n;
  let interest = 0n;
  let penalty = 0n;
  let fee = 0n;
  let rebate = 0n;
  for (const i of loan.installments) {
    const t = payoffTerms(i, asOf);
    principal += i.principalFen - i.paidPrincipalFen;
    penalty += i.penaltyFen - i.paidPenaltyFen;
    const owedInterest = t.interestFen + i.graceInterestFen - i.paidInterestFen;
    const owedFee = t.feeFen - i.paidFeeFen;
    if (owedInterest >= 0n) interest += owedInterest;
    else rebate -= owedInterest;
    if (owedFee >= 0n) fee += owedFee;
    else rebate -= owedFee;
  }
  const amount = principal + interest + penalty + fee - rebate;
  return {
    amountFen: amount < 0n ? 0n : amount,
    principalFen: principal,
    interestFen: interest,
    penaltyFen: penalty,
    feeFen: fee,
    rebateFen: rebate,
    asOf,
  };
}

/** Money applied to one installment, per component. */
export interface Allocation {
  readonly number: number;
  readonly penaltyFen: Fen;
  readonly feeFen: Fen;
  readonly interestFen: Fen;
  readonly principalFen: Fen;
}

/**
 * Pays `moneyFen` into one installment in the order penalty → fees → interest → principal
 * (Fineract's default); returns the updated installment, what went where, and what is left.
 */
export function allocateToInstallment(
  i: LoanInstallment,
  moneyFen: Fen,
): { installment: LoanInstallment; allocation: Allocation; restFen: Fen } {
  assert(moneyFen >= 0n, 'allocate: negative money');
  const o = outstandingOf(i);
  let rest = moneyFen;
  const take = (owed: Fen): Fen => {
    const x = owed < rest ? owed : rest;
    rest -= x;
    return x;
  };
  const penaltyFen = take(o.penaltyFen);
  const feeFen = take(o.feeFen);
  const interestFen = take(o.interestFen);
  const principalFen = take(o.principalFen);
  return {
    installment: {
      ...i,
      paidPenaltyFen: i.paidPenaltyFen + penaltyFen,
      paidFeeFen: i.paidFeeFen + feeFen,
      paidInterestFen: i.paidInterestFen + interestFen,
      paidPrincipalFen: i.paidPrincipalFen + principalFen,
    },
    allocation: { number: i.number, penaltyFen, feeFen, interestFen, principalFen },
    restFen: rest,
  };
}

export type PaymentKind = 'payoff' | 'partial' | 'prepayment';

export interface PaymentOutcome {
  readonly loan: Loan;
  readonly kind: PaymentKind;
  readonly allocations: readonly Allocation[];
  /** Principal repaid by this payment (restores the credit line on T+1). */
  readonly principalPaidFen: Fen;
  /** Part of the payment that became credit balance. */
  readonly toCreditFen: Fen;
  /**
   * Interest or fees paid earlier on not-yet-due installments that a payoff or prepayment gave
   * back and re-applied (they appear again inside `allocations`, so allocations sum to
   * amount + rebate − toCredit). Persist installment states by diffing before/after.
   */
  readonly rebateFen: Fen;
}

function withClosure(loan: Loan, asOf: BusinessDate): Loan {
  return loan.closedOn === null && loan.installments.every(isPaid) ? { ...loan, closedOn: asOf } : loan;
}

function sumPrincipal(allocations: readonly Allocation[]): Fen {
  let t = 0n;
  for (const a of allocations) t += a.principalFen;
  return t;
}

/** Pays installments in array order from `money`; returns the new list, allocations and the rest. */
function payInOrder(
  list: readonly LoanInstallment[],
  moneyFen: Fen,
  filter: (i: LoanInstallment) => boolean,
): { list: LoanInstallment[]; allocations: Allocation[]; restFen: Fen } {
  let rest = moneyFen;
  const allocations: Allocation[] = [];
  const out = list.map((i) => {
    if (rest === 0n || !filter(i) || isPaid(i)) return i;
    const r = allocateToInstallment(i, rest);
    rest = r.restFen;
    allocations.push(r.allocation);
    return r.installment;
  });
  return { list: out, allocations, restFen: rest };
}

/**
 * Re-amortizes the not-yet-due installments `rows` (same due dates) onto `newBalanceFen` as of
 * `asOf`, with the loan's method and rate: equal_installment → a new level payment (even split at
 * rate 0), equal_principal/daily → an even split (first rows carry the extra fen),
 * interest_first/single_payment → principal with the last; the last row absorbs rounding.
 * Interest of the first row is split at `asOf`: what the old schedule earned by `asOf`
 * (`accruedInterestFen`, kept as `settledInterestFen` / `settledOn`) plus
 * round_half_up(new balance's period interest × remaining days / period days); later rows earn
 * their period interest on the new balance. Fees scale with the principal:
 * round_half_up(fee × new balance / old unpaid principal). Paid fields are reset to 0; the caller
 * re-records what was paid.
 */
function reamortize(
  loan: Loan,
  rows: readonly LoanInstallment[],
  newBalanceFen: Fen,
  asOf: BusinessDate,
): LoanInstallment[] {
  const k = rows.length;
  assert(k > 0, 'reamortize: no rows');
  let oldUnpaid = 0n;
  let oldOwed = 0n;
  for (const r of rows) {
    oldUnpaid += r.principalFen - r.paidPrincipalFen;
    oldOwed += r.principalFen;
  }
  assert(newBalanceFen >= 0n && newBalanceFen <= oldUnpaid, 'reamortize: principal may only shrink');
  const rate = loan.annualRate;
  const even =
    loan.method === 'equal_principal' ||
    loan.method === 'daily' ||
    (loan.method === 'equal_installment' && rate.units === 0n);
  const level = loan.method === 'equal_installment' && !even ? levelPaymentFen(newBalanceFen, rate, k) : 0n;
  const base = newBalanceFen / BigInt(k);
  const extra = newBalanceFen % BigInt(k);
  let balance = newBalanceFen;
  return rows.map((r, idx) => {
    const days = daysBetween(r.periodStartDate, r.dueDate);
    let periodInterest: Fen;
    if (loan.method === 'daily') periodInterest = dailyInterestFen(balance, rate, days);
    else if (loan.method === 'single_payment')
      periodInterest = oldOwed === 0n ? 0n : divRound(r.interestFen * balance, oldOwed);
    else if (r.number === 1 && r.dueDate !== addMonths(loan.startDate, 1))
      periodInterest = monthlyInterestFen(balance, rate, days); // broken first period
    else periodInterest = monthlyInterestFen(balance, rate);
    let interest = periodInterest;
    let settledInterestFen = 0n;
    let settledOn: BusinessDate | null = null;
    if (idx === 0 && asOf > r.periodStartDate) {
      const remaining = daysBetween(asOf, r.dueDate);
      settledInterestFen = accruedInterestFen(r, asOf);
      settledOn = asOf;
      interest = settledInterestFen + divRound(periodInterest * BigInt(remaining), BigInt(days));
    }
    let principal: Fen;
    if (idx === k - 1) principal = balance;
    else if (even) principal = base + (BigInt(idx) < extra ? 1n : 0n);
    else if (loan.method === 'equal_installment') {
      principal = level - periodInterest;
      if (principal < 0n) principal = 0n;
      if (principal > balance) principal = balance;
    } else principal = 0n;
    balance -= principal;
    const fee = oldUnpaid === 0n ? 0n : divRound(r.feeFen * newBalanceFen, oldUnpaid);
    return {
      ...r,
      principalFen: principal,
      interestFen: interest,
      feeFen: fee,
      paidPrincipalFen: 0n,
      paidInterestFen: 0n,
      paidFeeFen: 0n,
      paidPenaltyFen: 0n,
      settledInterestFen,
      settledOn,
    };
  });
}

function paidOn(rows: readonly LoanInstallment[]): {
  principalFen: Fen;
  interestFen: Fen;
  feeFen: Fen;
  unpaidPrincipalFen: Fen;
} {
  let principalFen = 0n;
  let interestFen = 0n;
  let feeFen = 0n;
  let unpaidPrincipalFen = 0n;
  for (const r of rows) {
    principalFen += r.paidPrincipalFen;
    interestFen += r.paidInterestFen;
    feeFen += r.paidFeeFen;
    unpaidPrincipalFen += r.principalFen - r.paidPrincipalFen;
  }
  return { principalFen, interestFen, feeFen, unpaidPrincipalFen };
}

/**
 * Puts principal already repaid back on the re-amortized rows, owed and paid: each row keeps its
 * own paid principal (so the rows' payment records never move between installments), and the
 * first row also records `cutFen`, the principal this prepayment repays.
 */
function carryPaidPrincipal(
  fresh: readonly LoanInstallment[],
  old: readonly LoanInstallment[],
  cutFen: Fen,
): LoanInstallment[] {
  assert(fresh.length > 0 && fresh.length === old.length, 'carry: rows');
  return fresh.map((r, k) => {
    const paid = (old[k]?.paidPrincipalFen ?? 0n) + (k === 0 ? cutFen : 0n);
    return { ...r, principalFen: r.principalFen + paid, paidPrincipalFen: r.paidPrincipalFen + paid };
  });
}

function executePayoff(loan: Loan, moneyFen: Fen, asOf: BusinessDate): PaymentOutcome {
  // Fix what each not-yet-due installment owes, release what was paid on it beyond that.
  let released = 0n;
  const terms = loan.installments.map((i) => {
    if (i.dueDate <= asOf) return i;
    const t = payoffTerms(i, asOf);
    const paidInterest =
      i.paidInterestFen > t.interestFen + i.graceInterestFen
        ? t.interestFen + i.graceInterestFen
        : i.paidInterestFen;
    released += i.paidInterestFen - paidInterest + i.paidFeeFen;
    return { ...i, interestFen: t.interestFen, feeFen: 0n, paidInterestFen: paidInterest, paidFeeFen: 0n };
  });
  const paid = payInOrder(terms, moneyFen + released, () => true);
  assert(paid.list.every(isPaid), 'payoff: money did not cover the payoff');
  // The released rebate is not new money from the borrower: report only the borrower's money.
  const toCredit = paid.restFen;
  return {
    loan: withClosure(
      { ...loan, installments: paid.list, creditBalanceFen: loan.creditBalanceFen + toCredit },
      asOf,
    ),
    kind: 'payoff',
    allocations: paid.allocations,
    principalPaidFen: sumPrincipal(paid.allocations),
    toCreditFen: toCredit,
    rebateFen: released,
  };
}

/**
 * Amount that pays the next installment: everything unpaid on installments due by `asOf`, or, when
 * nothing is due, the whole of the first unpaid installment — capped at today's payoff quote.
 */
export function installmentPaymentFen(loanIn: Loan, asOf: BusinessDate): Fen {
  const loan = accrueTo(loanIn, asOf);
  let due = 0n;
  for (const i of loan.installments) if (i.dueDate <= asOf) due += outstandingTotal(i);
  const next = loan.installments.find((i) => !isPaid(i));
  const billFen = due > 0n ? due : next ? outstandingTotal(next) : 0n;
  // Never more than settling the whole loan today: on the last (or only) bill paid early, the
  // scheduled interest runs to the due date while a payoff charges interest only to `asOf`.
  const payoffFen = payoffQuote(loanIn, asOf).amountFen;
  return billFen < payoffFen ? billFen : payoffFen;
}

/**
 * Applies a payment of `amountFen` made on `asOf`:
 * 1. penalty and grace interest are accrued to `asOf`;
 * 2. if the amount covers the payoff quote, the loan is paid off (interest only to `asOf`, no
 *    fee) and the excess becomes credit balance;
 * 3. otherwise installments due by `asOf` are paid oldest first, then the current (first unpaid,
 *    not yet due) installment; within each installment penalty → fees → interest → principal;
 *    — money up to the current installment's outstanding amount simply pays that bill early;
 * 4. money beyond it is a prepayment as of `asOf` (docs/repayment-rules.md, "Prepayment"):
 *    a. interest and fees already paid on the current installment (a partial early payment before
 *       this one) are credited: they join the new money, so nothing paid is lost or charged twice;
 *    b. from that pool the interest the current period has earned by `asOf` is settled first —
 *       earned = round_half_up(scheduled interest × elapsed days / period days)
 *       (`accruedInterestFen`);
 *    c. everything else cuts the principal: cut = new money + paid interest + paid fees − earned;
 *    d. the current and later installments are re-amortized over their unchanged due dates with
 *       the loan's method (`reamortize`: the current period's interest is the earned part plus
 *       round_half_up(new balance's period interest × remaining days / period days); fees are
 *       round_half_up(fee × new balance / unpaid principal before the prepayment); the last
 *       installment takes whatever the rounding leaves of the principal). The term stays and
 *       the installments get smaller (chosen over shortening the term: the monthly burden falls
 *       and the due-date calendar never changes). The cut principal is recorded as paid principal of
 *       the current installment; principal paid earlier stays recorded on its own installment.
 *    The part of the earlier interest / fee payments that became principal is `rebateFen`
 *    (= paid interest − earned, when positive, + paid fees): the allocations re-apply it, so
 *    allocations = amount + rebate. Paying part of the bill early and then prepaying on the same
 *    day gives the same loan as one prepayment of the sum (fees aside: principal paid early on
 *    the bill is not part of the prepayment's fee cut, so the fees scale on the smaller unpaid
 *    principal). Over the life, the borrower pays principal + the interest the installments
 *    finally charge + fees, never more than the original schedule when paid on time.
 */
export function applyPayment(
  loanIn: Loan,
  input: { amountFen: Fen; asOf: BusinessDate },
): Result<PaymentOutcome, 'payment_amount_invalid' | 'loan_not_active'> {
  if (input.amountFen < 0n)
    return refuse('payment_amount_invalid', 'amount must be a positive number of fen', 'amount');
  if (loanIn.closedOn !== null) return refuse('loan_not_active', 'loan is already paid off');
  const asOf = input.asOf;
  assert(asOf >= loanIn.startDate, 'payment before disbursement');
  const loan = accrueTo(loanIn, asOf);
  const payoff = payoffQuote(loan, asOf);
  // Zero is a payment only when the interest and fees paid ahead (given back on a payoff)
  // already cover everything owed: the payoff then closes the loan and the rest of the
  // rebate goes to the borrower's credit balance.
  if (input.amountFen === 0n && !(payoff.amountFen === 0n && payoff.rebateFen > 0n))
    return refuse('payment_amount_invalid', 'amount must be a positive number of fen', 'amount');
  if (input.amountFen >= payoff.amountFen) return ok(executePayoff(loan, input.amountFen, asOf));

  const allocations: Allocation[] = [];
  const due = payInOrder(loan.installments, input.amountFen, (i) => i.dueDate <= asOf);
  allocations.push(...due.allocations);
  let list = due.list;
  let rest = due.restFen;
  let rebate = 0n;
  let kind: PaymentKind = 'partial';
  const currentIdx = list.findIndex((i) => i.dueDate > asOf && !isPaid(i));
  if (rest > 0n && currentIdx >= 0) {
    const current = list[currentIdx];
    assert(current !== undefined, 'payment: current installment');
    if (rest <= outstandingTotal(current)) {
      // Paying (part of) the current bill early: the bill's amounts stay as scheduled.
      const r = allocateToInstallment(current, rest);
      list = list.map((x, idx) => (idx === currentIdx ? r.installment : x));
      allocations.push(r.allocation);
      rest = r.restFen;
    } else {
      // Prepayment as of today: interest earned so far is settled, the rest cuts the principal,
      // and the current and later installments are re-amortized (smaller installments, same dates).
      kind = 'prepayment';
      const rows = list.slice(currentIdx);
      const paid = paidOn(rows);
      const earned = accruedInterestFen(current, asOf);
      const money = rest + paid.interestFen + paid.feeFen;
      assert(money > earned, 'prepayment: money must exceed earned interest');
      const principalCut = money - earned;
      assert(principalCut < paid.unpaidPrincipalFen, 'prepayment: must stay below the payoff');
      const fresh = carryPaidPrincipal(
        reamortize(loan, rows, paid.unpaidPrincipalFen - principalCut, asOf),
        rows,
        principalCut,
      );
      const [first, ...others] = fresh;
      assert(first !== undefined, 'prepayment: rows');
      list = [...list.slice(0, currentIdx), { ...first, paidInterestFen: earned }, ...others];
      const interestNow = earned > paid.interestFen ? earned - paid.interestFen : 0n;
      rebate = principalCut - (rest - interestNow);
      allocations.push({
        number: current.number,
        penaltyFen: 0n,
        feeFen: 0n,
        interestFen: interestNow,
        principalFen: principalCut,
      });
      rest = 0n;
    }
  }
  assert(rest === 0n, 'payment: money left below payoff amount');
  return ok({
    loan: withClosure({ ...loan, installments: list }, asOf),
    kind,
    allocations,
    principalPaidFen: sumPrincipal(allocations),
    toCreditFen: 0n,
    rebateFen: rebate,
  });
}

export interface RefundOutcome {
  readonly loan: Loan;
  /** Principal the refund took off the debt (restores the credit line on T+1). */
  readonly principalReducedFen: Fen;
  /** Part of the refund that became credit balance (loan already paid, or refund beyond the debt). */
  readonly toCreditFen: Fen;
}

/**
 * A merchant refund of `amountFen` on `asOf` (退款冲减本金). The refund cuts the unpaid principal of
 * the installments not yet due (the current one included) as of `asOf`; they are re-amortized over
 * their due dates (see `reamortize`: interest earned to `asOf` on the old balance stays, the rest
 * of the period and later periods earn on the new balance; fees scale down with the principal),
 * and interest or fees already paid on them are re-applied to the new amounts. Refund money beyond
 * that principal pays past-due items (penalty → fees → interest → principal), then what the
 * not-yet-due rows still owe; anything left — or the whole refund when the loan is already paid —
 * becomes credit balance to return to the shopper. The refunded principal is recorded in
 * `refundedPrincipalFen` (installment principals then sum to principal − refunded).
 */
export function applyRefund(
  loanIn: Loan,
  input: { amountFen: Fen; asOf: BusinessDate },
): Result<RefundOutcome, 'refund_amount_invalid'> {
  if (input.amountFen <= 0n)
    return refuse('refund_amount_invalid', 'refund must be a positive number of fen', 'amount');
  const asOf = input.asOf;
  if (loanIn.closedOn !== null) {
    return ok({
      loan: { ...loanIn, creditBalanceFen: loanIn.creditBalanceFen + input.amountFen },
      principalReducedFen: 0n,
      toCreditFen: input.amountFen,
    });
  }
  const loan = accrueTo(loanIn, asOf);
  const firstFuture = loan.installments.findIndex((i) => i.dueDate > asOf);
  let list = [...loan.installments];
  let rest = input.amountFen;
  let principalReduced = 0n;
  let refunded = 0n;
  if (firstFuture >= 0) {
    const rows = list.slice(firstFuture);
    const paid = paidOn(rows);
    const principalCut = rest < paid.unpaidPrincipalFen ? rest : paid.unpaidPrincipalFen;
    rest -= principalCut;
    principalReduced += principalCut;
    refunded += principalCut;
    const fresh = carryPaidPrincipal(
      reamortize(loan, rows, paid.unpaidPrincipalFen - principalCut, asOf),
      rows,
      0n,
    );
    const pooled = payInOrder(fresh, paid.interestFen + paid.feeFen, () => true);
    list = [...list.slice(0, firstFuture), ...pooled.list];
    rest += pooled.restFen;
  }
  if (rest > 0n) {
    const due = payInOrder(list, rest, (i) => i.dueDate <= asOf);
    const later = payInOrder(due.list, due.restFen, (i) => i.dueDate > asOf);
    list = later.list;
    rest = later.restFen;
    principalReduced += sumPrincipal(due.allocations) + sumPrincipal(later.allocations);
  }
  const next = withClosure(
    {
      ...loan,
      installments: list,
      creditBalanceFen: loan.creditBalanceFen + rest,
      refundedPrincipalFen: loan.refundedPrincipalFen + refunded,
    },
    asOf,
  );
  return ok({ loan: next, principalReducedFen: principalReduced, toCreditFen: rest });
}

/**
 * Grants a grace period (宽限期) of `days` (1–3) on the first unpaid installment. Allowed at most
 * twice per calendar year per person (counted by the installments' due-date year, across this loan
 * and `otherLoans`, the person's other loans), requested on or before
 * the due date, once per installment. During grace there is no overdue status and no penalty, but
 * ordinary interest keeps running on the unpaid principal (see `accrueTo`).
 */
export function requestGrace(
  loan: Loan,
  input: { asOf: BusinessDate; days?: number; otherLoans?: readonly Loan[] },
): Result<Loan, 'grace_limit_reached' | 'grace_not_applicable'> {
  const days = input.days ?? GRACE_DAYS_MAX;
  assert(Number.isInteger(days) && days >= 1 && days <= GRACE_DAYS_MAX, 'grace: days out of range');
  if (loan.closedOn !== null) return refuse('grace_not_applicable', 'loan is paid off');
  const idx = loan.installments.findIndex((i) => !isPaid(i));
  const target = loan.installments[idx];
  if (target === undefined) return refuse('grace_not_applicable', 'nothing is due');
  if (target.graceUntil !== null)
    return refuse('grace_not_applicable', 'grace already granted for this installment');
  if (input.asOf > target.dueDate)
    return refuse('grace_not_applicable', 'grace must be requested on or before the due date');
  const year = yearOf(target.dueDate);
  const used = graceUsedInYear([loan, ...(input.otherLoans ?? [])], year);
  if (used >= GRACE_PER_YEAR_MAX)
    return refuse('grace_limit_reached', 'grace periods are limited to 2 per calendar year');
  const installments = loan.installments.map((i, k) =>
    k === idx ? { ...i, graceUntil: addDays(i.dueDate, days) } : i,
  );
  return ok({ ...loan, installments });
}

/**
 * Grace periods already used in `year` across several loans of one person (the limit is per
 * person and year; pass all their loans).
 */
export function graceUsedInYear(loans: readonly Loan[], year: number): number {
  let n = 0;
  for (const l of loans)
    for (const i of l.installments) if (i.graceUntil !== null && yearOf(i.dueDate) === year) n += 1;
  return n;
}

/** Remaining principal (all installments). */
export function remainingPrincipalFen(loan: Loan): Fen {
  let t = 0n;
  for (const i of loan.installments) t += i.principalFen - i.paidPrincipalFen;
  return t;
}

/** GET /v1/loans/{id}/payoff body (amounts in fen as JSON numbers). */
export function toWirePayoff(q: PayoffQuote): {
  amount: number;
  principal_amount: number;
  interest_amount: number;
  penalty_amount: number;
  fee_amount: number;
  rebate_amount: number;
  as_of: BusinessDate;
} {
  return {
    amount: fenToJson(q.amountFen),
    principal_amount: fenToJson(q.principalFen),
    interest_amount: fenToJson(q.interestFen),
    penalty_amount: fenToJson(q.penaltyFen),
    fee_amount: fenToJson(q.feeFen),
    rebate_amount: fenToJson(q.rebateFen),
    as_of: q.asOf,
  };
}
