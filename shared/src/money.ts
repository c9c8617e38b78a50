import { allocate, CNY, type Dinero, dinero, toSnapshot } from 'dinero.js/bigint';
import { type Decimal, divRound, pow10, type Rounding } from './decimal';
import { assert } from './result';

/**
 * Money is an integer number of fen (分, 0.01 CNY) held in a `bigint`. Never a float.
 * The wire carries the same integer (`principal_amount: 1234567` = ¥12,345.67).
 */
export type Fen = bigint;

export const CURRENCY = 'CNY' as const;
export type Currency = typeof CURRENCY;

/** Fen from an integer (bigint or safe-integer number). Asserts on fractions and unsafe numbers. */
export function fen(amount: bigint | number): Fen {
  if (typeof amount === 'number') {
    assert(Number.isSafeInteger(amount), 'fen: amount must be a safe integer');
    return BigInt(amount);
  }
  return amount;
}

/** Whole yuan → fen (e.g. limits written in yuan in the brief). */
export function yuan(amount: bigint | number): Fen {
  return fen(amount) * 100n;
}

const YUAN_RE = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** Parses a yuan string with at most two decimals ("1234.5" → 123450n); `null` if malformed. */
export function parseYuan(text: string): Fen | null {
  const m = YUAN_RE.exec(text);
  if (!m) return null;
  const value = BigInt(m[2] ?? '0') * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -value : value;
}

/** JSON number for a fen amount on the wire; asserts it is within ±(2^53 − 1). */
export function fenToJson(amount: Fen): number {
  assert(
    amount <= BigInt(Number.MAX_SAFE_INTEGER) && amount >= -BigInt(Number.MAX_SAFE_INTEGER),
    'fenToJson: amount beyond safe integer range',
  );
  return Number(amount);
}

export function addFen(a: Fen, b: Fen): Fen {
  return a + b;
}

export function subtractFen(a: Fen, b: Fen): Fen {
  return a - b;
}

export function compareFen(a: Fen, b: Fen): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function minFen(a: Fen, b: Fen): Fen {
  return a < b ? a : b;
}

export function maxFen(a: Fen, b: Fen): Fen {
  return a > b ? a : b;
}

export function sumFen(amounts: readonly Fen[]): Fen {
  let total = 0n;
  for (const a of amounts) total += a;
  return total;
}

/**
 * `amountFen × rate`, rounded to the fen (half-up by default). Exact: the product is formed in
 * integers and rounded once.
 */
export function mulFenByRate(amountFen: Fen, rate: Decimal, mode: Rounding = 'half_up'): Fen {
  return divRound(amountFen * rate.units, pow10(rate.scale), mode);
}

/** dinero.js (bigint calculator) object for a fen amount. */
export function toDinero(amountFen: Fen): Dinero<bigint> {
  return dinero({ amount: amountFen, currency: CNY });
}

/** Fen back from a dinero.js CNY object at scale 2. */
export function fromDinero(d: Dinero<bigint>): Fen {
  const snap = toSnapshot(d);
  assert(snap.currency.code === CURRENCY, 'fromDinero: not CNY');
  assert(snap.scale === 2n, 'fromDinero: scale must be 2');
  return snap.amount;
}

/**
 * Splits `totalFen` in proportion to `ratios` so the parts sum exactly to the total
 * (dinero.js `allocate`: each part is floored, then the leftover fen go one by one to the
 * parts in order, first parts first). Ratios are non-negative integers, at least one positive.
 */
export function allocateFen(totalFen: Fen, ratios: readonly (bigint | number)[]): Fen[] {
  assert(ratios.length > 0 && ratios.length <= 10_000, 'allocateFen: ratios length out of range');
  const r = ratios.map((x) => fen(x));
  assert(
    r.every((x) => x >= 0n),
    'allocateFen: negative ratio',
  );
  assert(
    r.some((x) => x > 0n),
    'allocateFen: all ratios zero',
  );
  return allocate(toDinero(totalFen), r).map(fromDinero);
}

/**
 * Splits `totalFen` into `parts` equal shares; the first `total mod parts` shares get one fen
 * more (same rule as `allocateFen` with equal ratios, without dinero's overhead).
 */
export function splitEvenlyFen(totalFen: Fen, parts: number): Fen[] {
  assert(Number.isInteger(parts) && parts > 0 && parts <= 10_000, 'splitEvenlyFen: parts out of range');
  assert(totalFen >= 0n, 'splitEvenlyFen: negative total');
  const n = BigInt(parts);
  const base = totalFen / n;
  const extra = Number(totalFen % n);
  const out: Fen[] = new Array(parts);
  for (let i = 0; i < parts; i++) out[i] = i < extra ? base + 1n : base;
  return out;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function yuanParts(amountFen: Fen): { sign: string; whole: string; cents: string } {
  const negative = amountFen < 0n;
  const abs = negative ? -amountFen : amountFen;
  return {
    sign: negative ? '-' : '',
    whole: groupThousands((abs / 100n).toString()),
    cents: (abs % 100n).toString().padStart(2, '0'),
  };
}

/** "¥1,234.56" (negative: "-¥1,234.56"). Always two decimals. */
export function formatFen(amountFen: Fen): string {
  const p = yuanParts(amountFen);
  return `${p.sign}¥${p.whole}.${p.cents}`;
}

/** Chinese UI style: "1,234.56元" (negative: "-1,234.56元"). */
export function formatFenZh(amountFen: Fen): string {
  const p = yuanParts(amountFen);
  return `${p.sign}${p.whole}.${p.cents}元`;
}

/**
 * Compact Chinese style for headlines (limits, banners): below ¥10,000 the same as
 * `formatFenZh`; from ¥10,000 up in 万 (10,000 yuan) with up to two decimals, truncated
 * toward zero so a limit is never overstated: 1,234,567 fen → "1.23万", 20,000,000 fen → "20万".
 */
export function formatFenWan(amountFen: Fen): string {
  const negative = amountFen < 0n;
  const abs = negative ? -amountFen : amountFen;
  if (abs < 1_000_000n) return formatFenZh(amountFen);
  const hundredthsOfWan = abs / 10_000n; // 1 万 = 1,000,000 fen; 0.01 万 = 10,000 fen
  const whole = hundredthsOfWan / 100n;
  const frac = (hundredthsOfWan % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${groupThousands(whole.toString())}${frac ? `.${frac}` : ''}万`;
}

/** Plain yuan string with two decimals and no grouping, e.g. "1234.56" (for inputs, CSV). */
export function fenToYuanString(amountFen: Fen): string {
  const p = yuanParts(amountFen);
  return `${p.sign}${p.whole.replace(/,/g, '')}.${p.cents}`;
}
