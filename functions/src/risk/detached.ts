/**
 * Writes that must survive the request's rollback. A risk decision other than `allow` ends
 * in an error, which rolls back the request's transaction — but the risk event, the step-up
 * challenge and a freeze must stay. They are written in their own transaction, started at
 * once and not awaited inside the request's transaction (on PGlite, with one connection,
 * awaiting would deadlock; there the write simply runs right after the request's
 * transaction ends). `settleRiskWrites()` waits for all of them (tests, graceful shutdown).
 */
import { type Database, type Tx, withTransaction } from '../db';

const pending = new Set<Promise<void>>();
/** Bound on writes in flight per process; beyond it a write is awaited by its caller's caller. */
export const DETACHED_WRITES_MAX = 10_000;

export function detachWrite(database: Database, name: string, fn: (tx: Tx) => Promise<void>): void {
  if (pending.size >= DETACHED_WRITES_MAX) throw new Error('risk: too many detached writes in flight');
  const p: Promise<void> = withTransaction(database, fn)
    .catch((err: unknown) => {
      // No values: the error class and SQLSTATE only (PII never reaches logs).
      const code =
        (err as { cause?: { code?: unknown }; code?: unknown })?.cause?.code ??
        (err as { code?: unknown })?.code;
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'risk_write_failed', write: name, error_kind: (err as Error)?.name, pg_code: code })}\n`,
      );
    })
    .finally(() => {
      pending.delete(p);
    });
  pending.add(p);
}

/** Resolves when every detached write started so far has finished. */
export async function settleRiskWrites(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
