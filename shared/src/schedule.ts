import { addDays, addMonths, type BusinessDate, cachedDueDates, daysBetween } from './dates';
import { type Decimal, divRound, pow10 } from './decimal';
import { type Fen, splitEvenlyFen } from './money';
import { DAYS_PER_MONTH, DAYS_PER_YEAR, MONTHS_PER_YEAR } from './rates';
import { assert } from './result';

/**
 * Repayment methods (wire names):
 * - `equal_installment` 等额本息: level payment, interest on the declining balance.
 * - `equal_principal`   等额本金: equal principal parts, interest on the declining balance.
 * - `interest_first`    先息后本: interest each period, all principal with the last one.
 * - `single_payment`    one payment of principal and interest at the end of the term.
 * - `daily`             随借随还: interest by the day (annual / 365 per actual day) on the balance,
 *                        equal principal parts; pay any time, interest only to the payoff day.
 */
export const REPAYMENT_METHODS = [
  'equal_installment',
  'equal_principal',
  'interest_first',
  'single_payment',
  'daily',
] as const;
export type RepaymentMethod = (typeof REPAYMENT_METHODS)[number];

/** Term in calendar months (1–36) or, for day-counted short loans, days (7–365). */
export type ScheduleTerm = { readonly months: number } | { readonly days: number };

/**
 * Installment service fee (分期服务费):
 * - `per_period`: each installment carries round_half_up(principal × rate);
 * - `total`: round_half_up(principal × rate) for the whole plan, split evenly over the
 *   installments (the first `total mod n` installments carry one fen more).
 */
export type FeePlan =
  | { readonly kind: 'per_period'; readonly rate: Decimal }
  | { readonly kind: 'total'; readonly rate: Decimal };

export interface ScheduleInput {
  readonly principalFen: Fen;
  readonly method: RepaymentMethod;
  /** Nominal annual interest rate (0 for interest-free promotions). Monthly = annual / 12, daily = annual / 365. */
  readonly annualRate: Decimal;
  readonly term: ScheduleTerm;
  /** Disbursement date (Asia/Shanghai business date). */
  readonly startDate: BusinessDate;
  /** Fixed repayment day 1–28; creates a broken first period of 15–45 days. Monthly terms only. */
  readonly dueDayOfMonth?: number;
  readonly fee?: FeePlan;
}

export interface Installment {
  /** 1-based. */
  readonly number: number;
  readonly dueDate: BusinessDate;
  /** First day of interest for this period (disbursement date or the previous due date). */
  readonly periodStartDate: BusinessDate;
  readonly principalFen: Fen;
  readonly interestFen: Fen;
  readonly feeFen: Fen;
  /** principal + interest + fee. */
  readonly amountFen: Fen;
  /** Principal still owed after this installment is paid. */
  readonly balanceAfterFen: Fen;
}

export interface Schedule {
  readonly principalFen: Fen;
  readonly method: RepaymentMethod;
  readonly annualRate: Decimal;
  readonly term: ScheduleTerm;
  readonly startDate: BusinessDate;
  readonly installments: readonly Installment[];
  readonly totalInterestFen: Fen;
  readonly totalFeeFen: Fen;
  /** Total repayment: principal + interest + fees. */
  readonly totalFen: Fen;
  /** Length of one APR period: a month, or the whole term in days for a day-counted loan. */
  readonly aprPeriod: { readonly unit: 'month' } | { readonly unit: 'days'; readonly days: number };
}

export const TERM_MONTHS_MIN = 1;
export const TERM_MONTHS_MAX = 36;
export const TERM_DAYS_MIN = 7;
export const TERM_DAYS_MAX = 365;
/** Largest principal the engine accepts at all (products are far below): ¥10,000,000. */
export const PRINCIPAL_FEN_MAX = 1_000_000_000n;

/**
 * Interest of one monthly period on `balanceFen`: round_half_up(balance × annual / 12), or for a
 * broken period of `days` days: round_half_up(balance × annual / 12 × days / 30).
 */
export function monthlyInterestFen(balanceFen: Fen, annualRate: Decimal, days?: number): Fen {
  const den = MONTHS_PER_YEAR * pow10(annualRate.scale);
  if (days === undefined) return divRound(balanceFen * annualRate.units, den);
  return divRound(balanceFen * annualRate.units * BigInt(days), den * DAYS_PER_MONTH);
}

/** Interest for `days` days at annual / 365 per day: round_half_up(balance × annual × days / 365). */
export function dailyInterestFen(balanceFen: Fen, annualRate: Decimal, days: number): Fen {
  assert(Number.isInteger(days) && days >= 0, 'dailyInterestFen: days must be a non-negative integer');
  return divRound(balanceFen * annualRate.units * BigInt(days), DAYS_PER_YEAR * pow10(annualRate.scale));
}

/**
 * Level payment (等额本息) for `principalFen` over `n` months at monthly rate r = annual / 12:
 * P · r · (1+r)^n / ((1+r)^n − 1), computed exactly in integers and rounded half-up to the fen
 * (matches reference/schedule-vectors.json). With r = 0 it is P / n rounded half-up; the last
 * installment absorbs the difference either way.
 */
export function levelPaymentFen(principalFen: Fen, annualRate: Decimal, n: number): Fen {
  assert(Number.isInteger(n) && n >= 1 && n <= 360, 'levelPaymentFen: n out of range');
  const N = BigInt(n);
  if (annualRate.units === 0n) return divRound(principalFen, N);
  const p = annualRate.units;
  const q = MONTHS_PER_YEAR * pow10(annualRate.scale);
  const growth = powBig(q + p, n);
  const qn = powBig(q, n);
  return divRound(principalFen * p * growth, q * (growth - qn));
}

/**
 * base^exp by square-and-multiply. Written out instead of `**` because bundlers targeting older
 * mini-program runtimes rewrite `**` into `Math.pow`, which throws on bigint.
 */
export function powBig(base: bigint, exp: number): bigint {
  assert(Number.isInteger(exp) && exp >= 0 && exp <= 10_000, 'powBig: exponent out of range');
  let result = 1n;
  let b = base;
  let e = exp;
  while (e > 0) {
    if (e & 1) result *= b;
    e >>= 1;
    if (e > 0) b *= b;
  }
  return result;
}

function validate(input: ScheduleInput): void {
  assert(
    input.principalFen > 0n && input.principalFen <= PRINCIPAL_FEN_MAX,
    'schedule: principal out of range',
  );
  assert(
    input.annualRate.units >= 0n && input.annualRate.units < pow10(input.annualRate.scale),
    'schedule: annual rate out of [0, 1)',
  );
  if ('months' in input.term) {
    const m = input.term.months;
    assert(
      Number.isInteger(m) && m >= TERM_MONTHS_MIN && m <= TERM_MONTHS_MAX,
      'schedule: months out of range',
    );
  } else {
    const d = input.term.days;
    assert(Number.isInteger(d) && d >= TERM_DAYS_MIN && d <= TERM_DAYS_MAX, 'schedule: days out of range');
    assert(
      input.method === 'single_payment' || input.method === 'daily',
      'schedule: day terms need single_payment or daily',
    );
    assert(input.dueDayOfMonth === undefined, 'schedule: due day only for monthly terms');
  }
  if (input.fee) {
    assert(
      input.fee.rate.units >= 0n && input.fee.rate.units < pow10(input.fee.rate.scale),
      'schedule: fee rate out of [0, 1)',
    );
  }
}

function feesFen(principalFen: Fen, n: number, fee: FeePlan | undefined): Fen[] {
  if (!fee) return new Array<Fen>(n).fill(0n);
  const perUnit = pow10(fee.rate.scale);
  if (fee.kind === 'per_period')
    return new Array<Fen>(n).fill(divRound(principalFen * fee.rate.units, perUnit));
  return splitEvenlyFen(divRound(principalFen * fee.rate.units, perUnit), n);
}

/**
 * Builds the repayment schedule. Rounding rules (all half-up to the fen):
 * - interest of each period is rounded on its own (see `monthlyInterestFen`, `dailyInterestFen`);
 * - `equal_installment`: every installment but the last pays the level payment; its principal
 *   part is payment − interest; the last installment's principal is whatever balance remains,
 *   so it absorbs all rounding (it may differ from the level payment by a few fen);
 * - `equal_principal` / `daily`, and `equal_installment` at rate 0 (interest-free promotions):
 *   principal split evenly, the first `P mod n` installments carry one fen more;
 * - principal parts always sum exactly to the principal and the balance ends at zero.
 * A day-counted term (`{ days }`) gives one installment on start + days with interest
 * round_half_up(P × annual × days / 365).
 */
export function buildSchedule(input: ScheduleInput): Schedule {
  validate(input);
  const { principalFen: P, annualRate, method, startDate } = input;
  const rows: Installment[] = [];
  let totalInterest = 0n;
  let totalFee = 0n;

  if ('days' in input.term) {
    const days = input.term.days;
    const interest = dailyInterestFen(P, annualRate, days);
    const fee = feesFen(P, 1, input.fee)[0] ?? 0n;
    rows.push({
      number: 1,
      dueDate: addDays(startDate, days),
      periodStartDate: startDate,
      principalFen: P,
      interestFen: interest,
      feeFen: fee,
      amountFen: P + interest + fee,
      balanceAfterFen: 0n,
    });
    return finish(input, rows, interest, fee, { unit: 'days', days });
  }

  const n = input.term.months;
  const dueDates = cachedDueDates(startDate, n, input.dueDayOfMonth);
  const fees = feesFen(P, n, input.fee);
  const level = method === 'equal_installment' ? levelPaymentFen(P, annualRate, n) : 0n;
  // Interest-free level payments are an even split too (first installments carry the extra fen).
  const evenPrincipal =
    method === 'equal_principal' ||
    method === 'daily' ||
    (method === 'equal_installment' && annualRate.units === 0n)
      ? splitEvenlyFen(P, n)
      : undefined;
  let balance = P;
  let periodStart = startDate;
  const broken = input.dueDayOfMonth !== undefined;
  // half-up of balance × units / den without a general divRound: (2·balance·units + den) / (2·den)
  const monthDen2 = 2n * MONTHS_PER_YEAR * pow10(annualRate.scale);
  const units2 = 2n * annualRate.units;
  const monthDenHalf = monthDen2 / 2n;
  const hasFee = input.fee !== undefined;

  for (let k = 1; k <= n; k++) {
    const dueDate = dueDates[k - 1];
    assert(dueDate !== undefined, 'schedule: missing due date');
    let interest: Fen;
    if (method === 'daily')
      interest = dailyInterestFen(balance, annualRate, daysBetween(periodStart, dueDate));
    else if (broken && k === 1)
      interest = monthlyInterestFen(balance, annualRate, daysBetween(periodStart, dueDate));
    else interest = (balance * units2 + monthDenHalf) / monthDen2;

    let principal: Fen;
    if (k === n) principal = balance;
    else if (evenPrincipal) principal = evenPrincipal[k - 1] ?? 0n;
    else if (method === 'equal_installment') {
      principal = level - interest;
      if (principal < 0n) principal = 0n;
      if (principal > balance) principal = balance;
    } else principal = 0n; // interest_first, single_payment over months
    if (method === 'single_payment' && k < n) interest = 0n;

    const fee = hasFee ? (fees[k - 1] ?? 0n) : 0n;
    balance -= principal;
    const principalAndInterest = principal + interest;
    rows.push({
      number: k,
      dueDate,
      periodStartDate: periodStart,
      principalFen: principal,
      interestFen: interest,
      feeFen: fee,
      amountFen: hasFee ? principalAndInterest + fee : principalAndInterest,
      balanceAfterFen: balance,
    });
    totalInterest += interest;
    if (hasFee) totalFee += fee;
    periodStart = dueDate;
  }
  if (method === 'single_payment') {
    // One payment at the end: interest for the whole term, months × annual / 12.
    const only = rows[n - 1];
    assert(only !== undefined, 'schedule: empty');
    const interest = divRound(P * annualRate.units * BigInt(n), MONTHS_PER_YEAR * pow10(annualRate.scale));
    const fee = sumArr(fees);
    const single: Installment = {
      ...only,
      number: 1,
      periodStartDate: startDate,
      interestFen: interest,
      feeFen: fee,
      amountFen: P + interest + fee,
    };
    return finish(input, [single], interest, fee, {
      unit: 'days',
      days: daysBetween(startDate, only.dueDate),
    });
  }
  assert(balance === 0n, 'schedule: balance must end at zero');
  return finish(input, rows, totalInterest, totalFee, { unit: 'month' });
}

function sumArr(xs: readonly Fen[]): Fen {
  let t = 0n;
  for (const x of xs) t += x;
  return t;
}

function finish(
  input: ScheduleInput,
  rows: Installment[],
  totalInterestFen: Fen,
  totalFeeFen: Fen,
  aprPeriod: Schedule['aprPeriod'],
): Schedule {
  return {
    principalFen: input.principalFen,
    method: input.method,
    annualRate: input.annualRate,
    term: input.term,
    startDate: input.startDate,
    installments: rows,
    totalInterestFen,
    totalFeeFen,
    totalFen: input.principalFen + totalInterestFen + totalFeeFen,
    aprPeriod,
  };
}

/** Due date of the end of a term (helper for products quoting by months or days). */
export function termEndDate(startDate: BusinessDate, term: ScheduleTerm): BusinessDate {
  return 'days' in term ? addDays(startDate, term.days) : addMonths(startDate, term.months);
}
