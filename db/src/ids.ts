import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A prefixed random id: `newId('loan')` → `loan_3k9…` (20 base-36 chars ≈ 103 bits).
 * Prefixes in use: usr, vlt, var, vap, cns, edu, lga, rsk, stp, cl, tmp, hld, rst, qt, loan,
 * ins, rp, ral, grc, ctr, col, acct, ltx, mch, key, we, chk, re, evt, wda.
 */
export function newId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
}
