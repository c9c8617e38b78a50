import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Merchant API keys: `sk_test_<32 base62>` / `sk_live_<32 base62>` (≈190 bits of entropy).
 * Only a SHA-256 of the key is stored (a fast hash is right for high-entropy random tokens —
 * there is no dictionary to attack) plus a short prefix for display ("sk_test_Ab3d…").
 * The plaintext is shown once, at creation or rotation.
 *
 * Webhook secrets: `whsec_<32 base62>`. They must be usable as an HMAC key, so they are kept
 * retrievable (encrypted at rest by the caller's vault when one is configured).
 */
export type KeyMode = 'test' | 'live';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_PART_LENGTH = 32;
const API_KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{32}$/;

/** Unbiased base62 from rejection sampling over random bytes. */
export function randomBase62(length: number, random: (size: number) => Buffer = randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export interface GeneratedApiKey {
  plaintext: string;
  hash: string;
  prefix: string;
  mode: KeyMode;
}

export function generateApiKey(mode: KeyMode): GeneratedApiKey {
  const plaintext = `sk_${mode}_${randomBase62(RANDOM_PART_LENGTH)}`;
  return { plaintext, hash: hashApiKey(plaintext), prefix: apiKeyPrefix(plaintext), mode };
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

export function apiKeyPrefix(plaintext: string): string {
  return `${plaintext.slice(0, plaintext.indexOf('_', 3) + 1)}…${plaintext.slice(-4)}`;
}

/** `null` when the string cannot be a Fenqi key (checked before any database lookup). */
export function parseApiKey(candidate: string): { mode: KeyMode; hash: string } | null {
  const match = API_KEY_PATTERN.exec(candidate);
  if (!match) return null;
  return { mode: match[1] as KeyMode, hash: hashApiKey(candidate) };
}

export function apiKeyHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBase62(RANDOM_PART_LENGTH)}`;
}
