import { assert } from './result';

/**
 * Business dates are `YYYY-MM-DD` strings in Asia/Shanghai (UTC+8, no daylight saving since
 * 1991). The clock never enters this package: callers pass an instant (epoch milliseconds, a
 * `Date`, or an RFC 3339 string) and get the Shanghai calendar date of it.
 * Internally dates are converted to a day number (days since 1970-01-01) with pure integer
 * arithmetic (H. Hinnant's civil-date algorithms), so the results are identical everywhere.
 */
export type BusinessDate = string;

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const MS_PER_DAY = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parses and validates a business date; `null` when malformed or not a real calendar day. */
export function parseBusinessDate(text: string): { year: number; month: number; day: number } | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return null;
  return { year, month, day };
}

export function isBusinessDate(text: string): boolean {
  return parseBusinessDate(text) !== null;
}

function ymd(date: BusinessDate): { year: number; month: number; day: number } {
  const p = parseBusinessDate(date);
  assert(p !== null, 'invalid business date');
  return p;
}

/** Days since 1970-01-01 for a civil date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 32 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

function format(year: number, month: number, day: number): BusinessDate {
  // years are 1970–9999 (four digits)
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

/** Day number (days since 1970-01-01) of a business date. */
export function toDayNumber(date: BusinessDate): number {
  const { year, month, day } = ymd(date);
  return daysFromCivil(year, month, day);
}

export function fromDayNumber(dayNumber: number): BusinessDate {
  const { year, month, day } = civilFromDays(dayNumber);
  return format(year, month, day);
}

function instantMs(instant: number | Date | string): number {
  const ms =
    typeof instant === 'number'
      ? instant
      : typeof instant === 'string'
        ? Date.parse(instant)
        : instant.getTime();
  assert(Number.isFinite(ms), 'invalid instant');
  return ms;
}

/** The Asia/Shanghai calendar date of an instant. */
export function businessDateOf(instant: number | Date | string): BusinessDate {
  return fromDayNumber(Math.floor((instantMs(instant) + SHANGHAI_OFFSET_MS) / MS_PER_DAY));
}

/** Epoch milliseconds of 00:00 Asia/Shanghai on `date` (= 16:00 UTC the day before). */
export function startOfBusinessDateMs(date: BusinessDate): number {
  return toDayNumber(date) * MS_PER_DAY - SHANGHAI_OFFSET_MS;
}

/** RFC 3339 UTC string of 00:00 Asia/Shanghai on `date`, e.g. for `temporary_expires_at`. */
export function startOfBusinessDateIso(date: BusinessDate): string {
  return `${fromDayNumber(toDayNumber(date) - 1)}T16:00:00.000Z`;
}

export function addDays(date: BusinessDate, days: number): BusinessDate {
  assert(Number.isInteger(days), 'addDays: days must be an integer');
  return fromDayNumber(toDayNumber(date) + days);
}

/** `to − from` in days (negative when `to` is earlier). */
export function daysBetween(from: BusinessDate, to: BusinessDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

export function compareDates(a: BusinessDate, b: BusinessDate): -1 | 0 | 1 {
  // Valid business dates compare correctly as strings.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function minDate(a: BusinessDate, b: BusinessDate): BusinessDate {
  return a <= b ? a : b;
}

export function maxDate(a: BusinessDate, b: BusinessDate): BusinessDate {
  return a >= b ? a : b;
}

/**
 * Adds calendar months with the month-end rule: the day of month is `anchorDay` (default: the
 * day of `date`) clamped to the length of the target month. Jan 31 + 1 month → Feb 28 (Feb 29
 * in leap years); anchoring on the original day means Jan 31 + 2 months → Mar 31, not Mar 28.
 */
export function addMonths(date: BusinessDate, months: number, anchorDay?: number): BusinessDate {
  assert(Number.isInteger(months), 'addMonths: months must be an integer');
  const { year, month, day } = ymd(date);
  const anchor = anchorDay ?? day;
  assert(Number.isInteger(anchor) && anchor >= 1 && anchor <= 31, 'addMonths: anchor day out of range');
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return format(y, m, Math.min(anchor, daysInMonth(y, m)));
}

export function yearOf(date: BusinessDate): number {
  return ymd(date).year;
}

export function dayOfMonth(date: BusinessDate): number {
  return ymd(date).day;
}

/** Shortest first period, in days, when a fixed repayment day of month is chosen. */
export const FIRST_PERIOD_DAYS_MIN = 15;

/**
 * Due dates of a monthly schedule starting on `startDate`.
 * - Without `dueDayOfMonth`: installment k is due `addMonths(startDate, k)` anchored on the
 *   start day (month-end rule above); every period is a regular month.
 * - With `dueDayOfMonth` (1–28): the first due date is the first date with that day of month
 *   that lies at least 15 days after the start (a *broken* first period of 15–45 days); the
 *   following installments fall on the same day of each later month.
 */
export function monthlyDueDates(
  startDate: BusinessDate,
  installments: number,
  dueDayOfMonth?: number,
): BusinessDate[] {
  return [...cachedDueDates(startDate, installments, dueDayOfMonth)];
}

/** Bounded memo of due-date lists (quotes on one day share their start date); pure and deterministic. */
const DUE_DATES_CACHE_MAX = 512;
const dueDatesCache = new Map<string, readonly BusinessDate[]>();

/** Same as `monthlyDueDates`, returning a shared read-only array. */
export function cachedDueDates(
  startDate: BusinessDate,
  installments: number,
  dueDayOfMonth?: number,
): readonly BusinessDate[] {
  const key = `${startDate}|${installments}|${dueDayOfMonth ?? 0}`;
  const hit = dueDatesCache.get(key);
  if (hit) return hit;
  const computed = Object.freeze(computeDueDates(startDate, installments, dueDayOfMonth));
  if (dueDatesCache.size >= DUE_DATES_CACHE_MAX) dueDatesCache.clear();
  dueDatesCache.set(key, computed);
  return computed;
}

function computeDueDates(
  startDate: BusinessDate,
  installments: number,
  dueDayOfMonth?: number,
): BusinessDate[] {
  assert(
    Number.isInteger(installments) && installments >= 1 && installments <= 360,
    'monthlyDueDates: count out of range',
  );
  const out: BusinessDate[] = [];
  if (dueDayOfMonth === undefined) {
    const { year, month, day } = ymd(startDate);
    const index0 = year * 12 + (month - 1);
    for (let k = 1; k <= installments; k++) {
      const index = index0 + k;
      const y = Math.floor(index / 12);
      const m = (index % 12) + 1;
      out.push(format(y, m, Math.min(day, daysInMonth(y, m))));
    }
    return out;
  }
  assert(
    Number.isInteger(dueDayOfMonth) && dueDayOfMonth >= 1 && dueDayOfMonth <= 28,
    'monthlyDueDates: due day out of range',
  );
  let first = addMonths(startDate, 0, dueDayOfMonth);
  while (daysBetween(startDate, first) < FIRST_PERIOD_DAYS_MIN) first = addMonths(first, 1, dueDayOfMonth);
  for (let k = 0; k < installments; k++) out.push(addMonths(first, k, dueDayOfMonth));
  return out;
}
