import { type Decimal, divRound } from './decimal';
import type { Fen } from './money';
import { assert } from './result';

/** A payment by the borrower (amount > 0) at an integer number of periods after disbursement. */
export interface CashFlow {
  readonly period: number;
  readonly amountFen: Fen;
}

/** Exact positive rational number `num / den`. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export interface AprInput {
  /** Money the borrower actually received at period 0. */
  readonly principalFen: Fen;
  /** Every payment of principal, interest and fees, at integer periods ≥ 1. */
  readonly payments: readonly CashFlow[];
  /** Periods per year used to annualise: 12 for monthly schedules, 365/termDays for a single day-counted term. */
  readonly periodsPerYear: Ratio;
}

/** Decimal places of the disclosed APR (0.000001 = 0.0001 percentage point). */
export const APR_PLACES = 6;
const PERIODS_MAX = 1_000;
const NEWTON_ITERATIONS_MAX = 100;

/** Payments summed per period, index = period (0 unused). */
function bucket(input: AprInput): { amounts: number[]; exact: bigint[]; n: number } {
  assert(input.principalFen > 0n, 'apr: principal must be positive');
  assert(
    input.payments.length > 0 && input.payments.length <= PERIODS_MAX,
    'apr: payments count out of range',
  );
  let n = 0;
  for (const p of input.payments) {
    assert(
      Number.isInteger(p.period) && p.period >= 1 && p.period <= PERIODS_MAX,
      'apr: period out of range',
    );
    assert(p.amountFen >= 0n, 'apr: negative payment');
    if (p.period > n) n = p.period;
  }
  const exact: bigint[] = new Array(n + 1).fill(0n);
  for (const p of input.payments) exact[p.period] = (exact[p.period] ?? 0n) + p.amountFen;
  const amounts: number[] = new Array(n + 1);
  for (let k = 0; k <= n; k++) amounts[k] = Number(exact[k]);
  return { amounts, exact, n };
}

/**
 * Discount factor v = 1/(1+i) solving Σ a_k v^k = P, by Newton's method in IEEE-754 doubles
 * using only + − × ÷ (bit-identical on every engine). g(v) = Σ a_k v^k − P is increasing and
 * convex for v > 0, so Newton started at v = 1 (where g ≥ 0 because the borrower repays at
 * least the principal) descends monotonically onto the root without overshooting.
 */
function solveDiscountFactor(amounts: number[], n: number, principal: number): number {
  let v = 1;
  for (let iter = 0; iter < NEWTON_ITERATIONS_MAX; iter++) {
    let g = 0;
    let dg = 0;
    for (let k = n; k >= 1; k--) {
      dg = dg * v + g;
      g = g * v + (amounts[k] ?? 0);
    }
    // Horner above yields g = Σ a_k v^(k-1) and dg = d/dv of that; convert to Σ a_k v^k − P.
    const value = g * v - principal;
    const slope = dg * v + g;
    if (value <= 0 || slope <= 0) return v;
    const next = v - value / slope;
    if (!(next < v)) return v;
    if (v - next < 1e-16) return next;
    v = next;
  }
  return v;
}

/**
 * Exact sign of the net present value (to the borrower's creditor) at periodic rate i = r.num/r.den:
 * sign(Σ a_k (1+i)^-k − P), computed as sign(Σ a_k·den^k·(den+num)^(n−k) − P·(den+num)^n).
 * Positive means the true IRR is above i.
 */
export function npvSign(input: AprInput, periodicRate: Ratio): -1 | 0 | 1 {
  const { exact, n } = bucket(input);
  assert(periodicRate.den > 0n && periodicRate.num >= 0n, 'npvSign: rate must be a non-negative ratio');
  const x = periodicRate.den + periodicRate.num;
  const y = periodicRate.den;
  let acc = -input.principalFen;
  let ypow = 1n;
  for (let k = 1; k <= n; k++) {
    ypow *= y;
    acc = acc * x + (exact[k] ?? 0n) * ypow;
  }
  return acc > 0n ? 1 : acc < 0n ? -1 : 0;
}

/**
 * All-in APR: the internal rate of return per period of the borrower's cash flows (principal
 * received at period 0, every payment of principal, interest and fees after), times the number
 * of periods per year — the "IRR × 12" convention Chinese disclosure rules use for monthly plans.
 * Returned half-up to 6 places (0.0001 percentage point); a flat 0.6 %/month fee over 12 months
 * gives 0.130342. The result is exact at its 6 places: Newton's method finds the root in doubles
 * and, whenever the double lies within 1e-6 of a rounding boundary, the side of the boundary is
 * decided by the exact rational sign of the NPV there (`npvSign`).
 */
export function computeApr(input: AprInput): Decimal {
  const { amounts, n } = bucket(input);
  const { num, den } = input.periodsPerYear;
  assert(num > 0n && den > 0n, 'computeApr: periodsPerYear must be positive');
  let total = 0n;
  for (const p of input.payments) total += p.amountFen;
  assert(total >= input.principalFen, 'computeApr: payments below principal (negative rate)');
  if (total === input.principalFen) return { units: 0n, scale: APR_PLACES };
  const v = solveDiscountFactor(amounts, n, Number(input.principalFen));
  const periodic = 1 / v - 1;
  const scaled = (periodic * Number(num) * 1e6) / Number(den); // APR in millionths, as a double
  const floor = Math.floor(scaled);
  const frac = scaled - floor;
  // Far from the half-way point a double error (≈1e-8 here) cannot change the rounding; the
  // integer part cannot be wrong in a way that matters (frac near 0 or 1 rounds the same).
  if (Math.abs(frac - 0.5) < 1e-4) {
    const half = npvSign(input, aprToPeriodic(BigInt(floor) * 2n + 1n, 2_000_000n, input.periodsPerYear));
    return { units: BigInt(floor) + (half >= 0 ? 1n : 0n), scale: APR_PLACES };
  }
  return { units: BigInt(frac > 0.5 ? floor + 1 : floor), scale: APR_PLACES };
}

/** Periodic rate for an annual rate `annualNum/annualDen`: annual / periodsPerYear. */
function aprToPeriodic(annualNum: bigint, annualDen: bigint, ppy: Ratio): Ratio {
  return { num: annualNum * ppy.den, den: annualDen * ppy.num };
}

/**
 * Periodic IRR (per period, not annualised) half-up to `places` (default 10), from the same
 * Newton solution; for display of the monthly IRR and for tests.
 */
export function periodicIrr(input: AprInput, places = 10): Decimal {
  const { amounts, n } = bucket(input);
  const v = solveDiscountFactor(amounts, n, Number(input.principalFen));
  const scale = 10 ** places;
  return { units: divRound(BigInt(Math.round(((1 - v) / v) * scale)), 1n), scale: places };
}
