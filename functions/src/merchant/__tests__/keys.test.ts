import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apiKeyHashesEqual,
  apiKeyPrefix,
  generateApiKey,
  generateWebhookSecret,
  hashApiKey,
  parseApiKey,
  randomBase62,
} from '../keys';

describe('merchant API keys', () => {
  it.each([
    'test',
    'live',
  ] as const)('generates an sk_%s_ key whose hash, not plaintext, identifies it', (mode) => {
    const key = generateApiKey(mode);
    expect(key.plaintext).toMatch(new RegExp(`^sk_${mode}_[0-9A-Za-z]{32}$`));
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).not.toContain(key.plaintext.slice(8));
    expect(key.prefix).toBe(`sk_${mode}_…${key.plaintext.slice(-4)}`);
    expect(parseApiKey(key.plaintext)).toEqual({ mode, hash: key.hash });
  });

  it('never generates the same key twice in a run', () => {
    const keys = new Set(Array.from({ length: 500 }, () => generateApiKey('test').plaintext));
    expect(keys.size).toBe(500);
  });

  it.each([
    '',
    'sk_test_short',
    'pk_test_0123456789abcdef0123456789abcdef',
    'sk_prod_0123456789abcdef0123456789abcdef',
  ])('refuses %j before any lookup', (candidate) => {
    expect(parseApiKey(candidate)).toBeNull();
  });

  it('compares hashes exactly', () => {
    const a = generateApiKey('test');
    const b = generateApiKey('test');
    expect(apiKeyHashesEqual(a.hash, a.hash)).toBe(true);
    expect(apiKeyHashesEqual(a.hash, b.hash)).toBe(false);
    expect(apiKeyPrefix('sk_live_abcdefghijklmnopqrstuvwxyz012345')).toBe('sk_live_…2345');
  });

  it('base62 output only uses the alphabet and has the asked length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        (n, bytes) => {
          const s = randomBase62(n, (size) =>
            Buffer.from(Array.from({ length: size }, (_, i) => bytes[i % 256]! % 248)),
          );
          expect(s).toHaveLength(n);
          expect(s).toMatch(/^[0-9A-Za-z]+$/);
        },
      ),
    );
  });

  it('webhook secrets are whsec_ prefixed', () => {
    expect(generateWebhookSecret()).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
  });
});
