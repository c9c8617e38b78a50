import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPTS_MAX,
  nextAttemptAt,
  RETRY_DELAY_MAX_SECONDS,
  retryDelaySeconds,
  retrySpanSeconds,
} from '../backoff';

describe('webhook retry backoff', () => {
  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [10, 15_360],
    [11, RETRY_DELAY_MAX_SECONDS],
    [15, RETRY_DELAY_MAX_SECONDS],
  ])('after %i failed attempts waits %i s', (failed, seconds) => {
    expect(retryDelaySeconds(failed)).toBe(seconds);
  });

  it('keeps retrying for at least 24 hours', () => {
    expect(retrySpanSeconds()).toBeGreaterThanOrEqual(24 * 60 * 60);
  });

  it('gives up after ATTEMPTS_MAX failures', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(nextAttemptAt({ failedAttempts: ATTEMPTS_MAX, now })).toBeNull();
    expect(nextAttemptAt({ failedAttempts: ATTEMPTS_MAX - 1, now })?.getTime()).toBe(
      now.getTime() + RETRY_DELAY_MAX_SECONDS * 1000,
    );
  });

  it('never shrinks and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        expect(retryDelaySeconds(n + 1)).toBeGreaterThanOrEqual(retryDelaySeconds(n));
        expect(retryDelaySeconds(n)).toBeLessThanOrEqual(RETRY_DELAY_MAX_SECONDS);
      }),
    );
  });

  it('rejects a non-positive attempt count', () => {
    expect(() => retryDelaySeconds(0)).toThrow();
  });
});
