/**
 * The "digital mask" (数字面具): virtual ID-card and bank-card numbers issued when a user
 * applies, so that partners, logs and screens only ever see numbers that are *format
 * valid* but can never belong to a real person.
 *
 * Reserved ranges (why they can never collide with a real number):
 * - Virtual ID card: 18 digits per GB 11643-1999 (6-digit region, 8-digit birth date,
 *   3-digit sequence, ISO 7064 MOD 11-2 check digit). The region code always starts with
 *   `00`: GB/T 2260 province codes run 11…82, and no real area (nor the `9x` codes used
 *   by foreigners' permanent-residence cards) starts with `0`. A real ID card therefore
 *   never starts with `00`, and `isVirtualIdCardNumber` tells them apart by prefix alone.
 * - Virtual bank card: 19 digits, Luhn-valid, BIN `099` (ISO/IEC 7812 major industry
 *   identifier 0 is reserved for ISO/TC 68 and is never issued to card-issuing banks;
 *   UnionPay cards start with 62, others with 3–6). A real card never starts with `0`.
 *
 * Generation is a bijection from a serial number (the caller draws it, e.g. from a
 * database sequence or a CSPRNG, and relies on a unique constraint), so there is no
 * randomness or clock in here.
 */

export const VIRTUAL_ID_REGION_PREFIX = '00';
export const VIRTUAL_BANK_BIN = '099';
export const VIRTUAL_BANK_CARD_LENGTH = 19;

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2). */
export function idCardCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('digital-mask: need 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] as number);
  return ID_CHECK_CHARS[sum % 11] as string;
}

/** Days since 1970-01-01 → civil date (proleptic Gregorian), no Date object needed. */
function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function isValidCivilDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
  return d <= monthDays;
}

const BIRTH_EPOCH_DAYS = -7305; // 1950-01-01
const BIRTH_SPAN_DAYS = 20_000; // → up to 2004-10-04
const REGION_SPAN = 10_000; // 00xxxx
const SEQ_SPAN = 1_000;
/** How many distinct virtual ID numbers exist (serial must be below this). */
export const VIRTUAL_ID_CAPACITY = REGION_SPAN * BIRTH_SPAN_DAYS * SEQ_SPAN; // 2·10^11

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Serial (0 ≤ serial < VIRTUAL_ID_CAPACITY) → a GB 11643-valid virtual ID number in the `00` range. */
export function virtualIdCardNumber(serial: number): string {
  if (!Number.isSafeInteger(serial) || serial < 0 || serial >= VIRTUAL_ID_CAPACITY) {
    throw new Error('digital-mask: serial out of range');
  }
  const seq = serial % SEQ_SPAN;
  const rest = Math.floor(serial / SEQ_SPAN);
  const dayOffset = rest % BIRTH_SPAN_DAYS;
  const region = Math.floor(rest / BIRTH_SPAN_DAYS);
  const { y, m, d } = civilFromDays(BIRTH_EPOCH_DAYS + dayOffset);
  const first17 = `${VIRTUAL_ID_REGION_PREFIX}${pad(region, 4)}${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}${pad(seq, 3)}`;
  return first17 + idCardCheckChar(first17);
}

/** Format check per GB 11643: 17 digits, a real calendar date, the right check character. */
export function isValidIdCardNumber(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  if (!isValidCivilDate(y, m, d)) return false;
  return idCardCheckChar(value.slice(0, 17)) === value[17];
}

export function isVirtualIdCardNumber(value: string): boolean {
  return isValidIdCardNumber(value) && value.startsWith(VIRTUAL_ID_REGION_PREFIX);
}

/** A real (issuable) ID card: format-valid and outside the reserved virtual range. */
export function isAcceptableRealIdCardNumber(value: string): boolean {
  return isValidIdCardNumber(value) && !value.startsWith('0');
}

/** Luhn check digit for a digit string (the digit to append). */
export function luhnCheckDigit(body: string): string {
  if (!/^\d+$/.test(body)) throw new Error('digital-mask: digits only');
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let v = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(value: string): boolean {
  return /^\d{2,}$/.test(value) && luhnCheckDigit(value.slice(0, -1)) === value.slice(-1);
}

const BANK_BODY_DIGITS = VIRTUAL_BANK_CARD_LENGTH - VIRTUAL_BANK_BIN.length - 1; // 15
/** How many distinct virtual bank-card numbers exist. */
export const VIRTUAL_BANK_CARD_CAPACITY = 10 ** BANK_BODY_DIGITS;

/** Serial → a Luhn-valid 19-digit virtual bank-card number with the reserved BIN. */
export function virtualBankCardNumber(serial: number): string {
  if (!Number.isSafeInteger(serial) || serial < 0 || serial >= VIRTUAL_BANK_CARD_CAPACITY) {
    throw new Error('digital-mask: serial out of range');
  }
  const body = VIRTUAL_BANK_BIN + pad(serial, BANK_BODY_DIGITS);
  return body + luhnCheckDigit(body);
}

export function isVirtualBankCardNumber(value: string): boolean {
  return (
    value.length === VIRTUAL_BANK_CARD_LENGTH && value.startsWith(VIRTUAL_BANK_BIN) && isLuhnValid(value)
  );
}

/** A real bank card: 16–19 digits, Luhn-valid, not in the reserved MII-0 range. */
export function isAcceptableRealBankCardNumber(value: string): boolean {
  return /^[1-9]\d{15,18}$/.test(value) && isLuhnValid(value);
}

/** For display: keep the last four, e.g. `**** **** 1234`. Works on virtual numbers only by design. */
export function maskTail(value: string): string {
  return `****${value.slice(-4)}`;
}
