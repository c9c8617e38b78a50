/**
 * Retry schedule for webhook deliveries.
 *
 * After the n-th failed attempt (n ≥ 1) the next one is due `min(30 s · 2^(n−1), 6 h)` later:
 * 30 s, 1 min, 2 min, … 4 h 16 min, then every 6 h. With `ATTEMPTS_MAX = 16` the last attempt
 * happens ≈ 44.7 h after the first, so an endpoint that is down for a whole day still gets the
 * event. Deterministic (no jitter) so tests and the test clock can predict it; the lease in the
 * worker spreads concurrent workers instead.
 */
export const FIRST_RETRY_DELAY_SECONDS = 30;
export const RETRY_DELAY_MAX_SECONDS = 6 * 60 * 60;
export const ATTEMPTS_MAX = 16;

export function retryDelaySeconds(failedAttempts: number): number {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new Error('failedAttempts must be ≥ 1');
  const exponent = Math.min(failedAttempts - 1, 20);
  return Math.min(FIRST_RETRY_DELAY_SECONDS * 2 ** exponent, RETRY_DELAY_MAX_SECONDS);
}

/** `null` when the attempts are exhausted (the event is then marked `failed`). */
export function nextAttemptAt(args: { failedAttempts: number; now: Date }): Date | null {
  if (args.failedAttempts >= ATTEMPTS_MAX) return null;
  return new Date(args.now.getTime() + retryDelaySeconds(args.failedAttempts) * 1000);
}

/** Total span between the first attempt and the last one when every attempt fails. */
export function retrySpanSeconds(): number {
  let total = 0;
  for (let n = 1; n < ATTEMPTS_MAX; n += 1) total += retryDelaySeconds(n);
  return total;
}
