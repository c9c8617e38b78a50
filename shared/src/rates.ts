import { type Decimal, decDivInt, decMulInt, decToString, type Rounding } from './decimal';

/**
 * Rate conventions (all rates are decimals per unit: 0.1825 = 18.25 %):
 * - monthly = daily × 30          (DAYS_PER_MONTH)
 * - annual  = daily × 365         (DAYS_PER_YEAR, simple, not compounded)
 * - annual  = monthly × 12        (MONTHS_PER_YEAR)
 * These three are conventions, not a closed triangle (30 × 12 = 360 ≠ 365). The schedules use
 * periodic rate = annual / 12 for monthly periods and annual / 365 per day for day-counted
 * interest; the disclosure derives its monthly and daily figures from the all-in APR the same
 * way (apr / 12, apr / 365).
 */
export const DAYS_PER_MONTH = 30n;
export const DAYS_PER_YEAR = 365n;
export const MONTHS_PER_YEAR = 12n;

/** Places kept when a conversion has to divide (exact when the division terminates sooner). */
export const RATE_SCALE = 12;

/** Places on the wire: rates are sent as decimal strings with at most 6 places. */
export const WIRE_RATE_PLACES = 6;

export function dailyToMonthly(daily: Decimal): Decimal {
  return decMulInt(daily, DAYS_PER_MONTH);
}

export function dailyToAnnual(daily: Decimal): Decimal {
  return decMulInt(daily, DAYS_PER_YEAR);
}

export function monthlyToAnnual(monthly: Decimal): Decimal {
  return decMulInt(monthly, MONTHS_PER_YEAR);
}

export function annualToMonthly(annual: Decimal, scale = RATE_SCALE, mode: Rounding = 'half_up'): Decimal {
  return decDivInt(annual, MONTHS_PER_YEAR, Math.max(scale, annual.scale), mode);
}

export function annualToDaily(annual: Decimal, scale = RATE_SCALE, mode: Rounding = 'half_up'): Decimal {
  return decDivInt(annual, DAYS_PER_YEAR, Math.max(scale, annual.scale), mode);
}

export function monthlyToDaily(monthly: Decimal, scale = RATE_SCALE, mode: Rounding = 'half_up'): Decimal {
  return decDivInt(monthly, DAYS_PER_MONTH, Math.max(scale, monthly.scale), mode);
}

/**
 * Wire form of a rate: per unit, half-up to 6 places, trailing zeros dropped
 * ("0.1825", "0.0005", "0"). This is the only function that should produce rate strings for
 * the API.
 */
export function rateToWire(rate: Decimal): string {
  return decToString(rate, { places: WIRE_RATE_PLACES });
}

/** Display form in percent with `places` decimals (half-up), e.g. 0.1825 → "18.25%". */
export function rateToPercent(rate: Decimal, places = 2): string {
  return `${decToString(decMulInt(rate, 100n), { places, fixed: true })}%`;
}
