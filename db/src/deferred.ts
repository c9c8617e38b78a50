/**
 * Deferred writes: inserts and updates whose result the request does not need are sent with
 * the transaction's last statement instead of one round trip each.
 *
 * A borrow used to send the risk evaluation event and the contract as statements of their
 * own; each cost a round trip (a socket write, the proxy, a wake-up of the server process)
 * for a row nobody reads again in the request. Deferred, they become data-modifying CTEs of
 * the statement that stores the idempotent response (`withDeferred`), or — when the request
 * has none — of one statement run just before COMMIT by `withTransaction` (`flushDeferred`).
 *
 * Rules:
 * - only for writes whose outcome the request does not read back in the same transaction
 *   (all CTEs of one statement see the same snapshot and cannot see each other's rows);
 * - only on a transaction opened by `withTransaction` (it flushes); on any other session the
 *   write runs at once, so nothing is ever dropped;
 * - a failing deferred write fails the statement, so the transaction rolls back whole, as it
 *   would have if the write had run at once.
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';

/** Keyed by the transaction's session (drizzle makes one per transaction; a wrapper or proxy of the tx still finds it). */
const queues = new WeakMap<object, SQL[]>();

function sessionOf(tx: DbOrTx): object | undefined {
  const t = tx as unknown as { session?: object; nestedIndex?: number };
  // a savepoint may roll back alone: its writes are never deferred past it
  if (t.nestedIndex !== undefined && t.nestedIndex > 0) return undefined;
  return t.session;
}

/** Called by `withTransaction` on the transaction it opens. */
export function openDeferred(tx: DbOrTx): void {
  const session = sessionOf(tx);
  if (session) queues.set(session, []);
}

/** Queues a write (a drizzle insert/update builder or SQL) for the transaction's last statement. */
export async function deferWrite(tx: DbOrTx, write: SQLWrapper): Promise<void> {
  const session = sessionOf(tx);
  const queue = session ? queues.get(session) : undefined;
  if (!queue) {
    await tx.execute(write.getSQL());
    return;
  }
  queue.push(write.getSQL());
  // a loop that defers many writes (a batch) must not build one statement past the protocol's
  // 65,535 parameters: send them every MAX_QUEUED
  if (queue.length >= MAX_QUEUED) await flushDeferred(tx);
}

const MAX_QUEUED = 64;

/** Takes (and clears) the writes queued on this transaction. */
export function takeDeferred(tx: DbOrTx): SQL[] {
  const session = sessionOf(tx);
  const queue = session ? queues.get(session) : undefined;
  if (!session || !queue || queue.length === 0) return [];
  queues.set(session, []);
  return queue;
}

/** `final` (a statement without its own WITH) preceded by `writes` as data-modifying CTEs. */
export function withDeferred(writes: readonly SQL[], final: SQL): SQL {
  if (writes.length === 0) return final;
  const ctes = writes.map((w, i) => sql`${sql.raw(`deferred_${i + 1}`)} as (${w})`);
  return sql`with ${sql.join(ctes, sql`, `)} ${final}`;
}

/** Runs whatever is still queued, in one statement (before COMMIT). */
export async function flushDeferred(tx: DbOrTx): Promise<void> {
  const writes = takeDeferred(tx);
  if (writes.length > 0)
    await tx.execute(withDeferred(writes, sql`select ${writes.length}::int as deferred`));
}
