/**
 * Idempotency keys for POSTs. A key belongs to one user action (a scope such as
 * `borrow` or `repay:loan_1`) and one request body: retrying the same action with the same
 * body reuses the key, so a timeout followed by a retry can never move money twice; a
 * changed body or a settled action gets a fresh key.
 */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (cryptoApi?.getRandomValues) {
    cryptoApi.getRandomValues(bytes);
  } else {
    // Mini-program runtimes without Web Crypto: time + Math.random is enough to keep one
    // user's keys distinct; the server scopes keys per user.
    for (let i = 0; i < bytes.length; i += 1) {
      bytes[i] = Math.floor(Math.random() * 256);
    }
  }
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `mp_${Date.now().toString(36)}_${hex}`;
}

interface PendingKey {
  bodyJson: string;
  key: string;
}

export class IdempotencyKeys {
  private readonly pending = new Map<string, PendingKey>();

  /** The key for `scope` and `body`: the previous one if the body is unchanged. */
  keyFor(scope: string, body: unknown): string {
    const bodyJson = JSON.stringify(body ?? null);
    const existing = this.pending.get(scope);
    if (existing && existing.bodyJson === bodyJson) {
      return existing.key;
    }
    const key = newIdempotencyKey();
    this.pending.set(scope, { bodyJson, key });
    return key;
  }

  /** The action finished (success or a final business refusal): the next attempt is new. */
  settle(scope: string): void {
    this.pending.delete(scope);
  }
}

export const idempotencyKeys = new IdempotencyKeys();
