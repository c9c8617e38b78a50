import { assert } from './result';

/**
 * Exact decimal numbers for rates: `value = units / 10^scale`, `units` a bigint, `scale` ≥ 0.
 * No binary floating point is used for any stored or compared value.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

export type Rounding = 'half_up' | 'half_even' | 'down' | 'up' | 'floor' | 'ceil';

const SCALE_MAX = 60;
const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= SCALE_MAX; i++, p *= 10n) POW10.push(p);

/** 10^n as a bigint (n ≤ 60). */
export function pow10(n: number): bigint {
  const p = POW10[n];
  assert(p !== undefined, 'pow10: exponent out of range');
  return p;
}

/**
 * Integer division n / d rounded with `mode`. `half_up` rounds ties away from zero (the
 * "四舍五入" rule used for every fen in this package).
 */
export function divRound(n: bigint, d: bigint, mode: Rounding = 'half_up'): bigint {
  assert(d !== 0n, 'divRound: division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n) return q;
  const negative = n < 0n;
  const absR2 = (r < 0n ? -r : r) * 2n;
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return negative ? q - 1n : q + 1n;
    case 'floor':
      return negative ? q - 1n : q;
    case 'ceil':
      return negative ? q : q + 1n;
    case 'half_up':
      if (absR2 >= d) return negative ? q - 1n : q + 1n;
      return q;
    case 'half_even': {
      if (absR2 > d || (absR2 === d && (q & 1n) !== 0n)) return negative ? q - 1n : q + 1n;
      return q;
    }
  }
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal string such as `"0.1825"`, `"-3"`, `"12.50"`. Asserts on anything else. */
export function dec(text: string): Decimal {
  const m = DECIMAL_RE.exec(text);
  assert(m !== null, 'dec: not a plain decimal string');
  const frac = m[3] ?? '';
  assert(frac.length <= SCALE_MAX, 'dec: too many decimal places');
  const units = BigInt((m[2] ?? '0') + frac);
  return { units: m[1] ? -units : units, scale: frac.length };
}

/** Non-asserting parse for untrusted input; `null` when not a plain decimal string. */
export function tryDec(text: string): Decimal | null {
  if (!DECIMAL_RE.test(text)) return null;
  return dec(text);
}

export function decFromInt(n: bigint | number): Decimal {
  if (typeof n === 'number') assert(Number.isSafeInteger(n), 'decFromInt: not a safe integer');
  return { units: BigInt(n), scale: 0 };
}

export const ZERO: Decimal = { units: 0n, scale: 0 };
export const ONE: Decimal = { units: 1n, scale: 0 };

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) return [a.units, b.units * pow10(a.scale - b.scale), a.scale];
  return [a.units * pow10(b.scale - a.scale), b.units, b.scale];
}

export function decAdd(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function decSub(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

/** Exact product (scales add). */
export function decMul(a: Decimal, b: Decimal): Decimal {
  const scale = a.scale + b.scale;
  assert(scale <= SCALE_MAX, 'decMul: scale overflow');
  return { units: a.units * b.units, scale };
}

/** Exact product with an integer. */
export function decMulInt(a: Decimal, n: bigint): Decimal {
  return { units: a.units * n, scale: a.scale };
}

/** a / b rounded to `scale` places with `mode`. */
export function decDiv(a: Decimal, b: Decimal, scale: number, mode: Rounding = 'half_up'): Decimal {
  assert(b.units !== 0n, 'decDiv: division by zero');
  // a/b = (a.u / 10^as) / (b.u / 10^bs); result units = a.u * 10^(scale + bs - as) / b.u
  const shift = scale + b.scale - a.scale;
  const num = shift >= 0 ? a.units * pow10(shift) : a.units;
  const den = shift >= 0 ? b.units : b.units * pow10(-shift);
  return { units: divRound(num, den, mode), scale };
}

/** a / n (integer) rounded to `scale` places. */
export function decDivInt(a: Decimal, n: bigint, scale: number, mode: Rounding = 'half_up'): Decimal {
  return decDiv(a, { units: n, scale: 0 }, scale, mode);
}

/** Re-expresses `a` with exactly `scale` places, rounding with `mode` when places are dropped. */
export function decRound(a: Decimal, scale: number, mode: Rounding = 'half_up'): Decimal {
  if (scale >= a.scale) return { units: a.units * pow10(scale - a.scale), scale };
  return { units: divRound(a.units, pow10(a.scale - scale), mode), scale };
}

/** -1, 0 or 1. */
export function decCmp(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function decEq(a: Decimal, b: Decimal): boolean {
  return decCmp(a, b) === 0;
}

export function decIsZero(a: Decimal): boolean {
  return a.units === 0n;
}

export function decMin(a: Decimal, b: Decimal): Decimal {
  return decCmp(a, b) <= 0 ? a : b;
}

export function decMax(a: Decimal, b: Decimal): Decimal {
  return decCmp(a, b) >= 0 ? a : b;
}

/** Drops trailing zeros: 0.18250 → 0.1825 (value unchanged). */
export function decNormalize(a: Decimal): Decimal {
  let { units, scale } = a;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/**
 * Plain decimal string. With `places` the value is first rounded to that many places
 * (half-up unless `mode`) and trailing zeros are kept only when `fixed` is true.
 * Examples: decToString(dec('0.18250')) → "0.1825"; decToString(x, { places: 2, fixed: true }) → "18.25".
 */
export function decToString(
  a: Decimal,
  opts: { places?: number; fixed?: boolean; mode?: Rounding } = {},
): string {
  let d = a;
  if (opts.places !== undefined) d = decRound(a, opts.places, opts.mode ?? 'half_up');
  if (!opts.fixed) d = decNormalize(d);
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString();
  let text: string;
  if (d.scale === 0) text = digits;
  else {
    const padded = digits.padStart(d.scale + 1, '0');
    text = `${padded.slice(0, padded.length - d.scale)}.${padded.slice(padded.length - d.scale)}`;
  }
  return negative && d.units !== 0n ? `-${text}` : text;
}
