/**
 * After-commit contract sealing. The `loan_created` hook signs the contract inside the
 * request's transaction (pending: no seq yet) but cannot know when that transaction commits
 * — on idempotent routes the dispatcher commits after the handler returns. So, like the
 * webhook trigger, the hook starts a fire-and-forget task that never delays or fails the
 * response: it waits with a short bounded backoff (≈ 2.5 s in all) until its contract is
 * visible (committed), then runs the sealer. A rolled-back request's contract never becomes
 * visible and the task gives up; whatever a task misses (crash, time limit) the per-minute
 * cron (`/v1/cron/webhooks`) seals.
 *
 * The hook is given the request's database (besides its transaction) to open the task's own
 * transaction on.
 *
 * Concurrent borrows coalesce: per database at most one seal runs and one waits; a task
 * whose contract became visible joins the waiting seal (it starts after the check, so it
 * sees the row) instead of queueing on the chain lock. Tracked with the webhook trigger's
 * keep-alive (`setTriggerKeepAlive`, Vercel's `waitUntil`) and `settleTriggers`.
 */
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db';
import { keepInFlight } from '../webhooks/trigger';
import { sealContracts } from './contracts';

const VISIBILITY_WAITS_MS = [0, 5, 10, 20, 40, 80, 160, 320, 640, 1280] as const;

/**
 * Called where a contract was signed (inside the request's transaction): seals it once the
 * transaction has committed. Fire-and-forget.
 */
export function sealAfterCommit(database: Database, contractId: string, now: Date): void {
  const run = sealWhenVisible(database, contractId, now).catch((err: unknown) => {
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'contract_seal_failed',
        error: err instanceof Error ? err.name : 'unknown',
      }),
    );
  });
  keepInFlight(run);
}

async function sealWhenVisible(database: Database, contractId: string, now: Date): Promise<void> {
  const started = Date.now();
  for (const waitMs of VISIBILITY_WAITS_MS) {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const [row] = await database.db
      .select({ seq: schema.contracts.seq })
      .from(schema.contracts)
      .where(eq(schema.contracts.id, contractId));
    if (!row) continue; // not committed yet (or rolled back: given up after the waits)
    if (row.seq !== null) return; // another task or the cron sealed it
    await sealSoon(database, new Date(now.getTime() + (Date.now() - started)));
    return;
  }
}

/** Per database: the seal not started yet (callers join it) and the last one queued. */
const waiting = new WeakMap<Database, Promise<number>>();
const latest = new WeakMap<Database, Promise<unknown>>();

/** A seal that starts after this call (so it sees every row committed before it). */
function sealSoon(database: Database, now: Date): Promise<number> {
  const queued = waiting.get(database);
  if (queued) return queued;
  const before = latest.get(database) ?? Promise.resolve();
  const next = before
    .catch(() => undefined)
    .then(() => {
      waiting.delete(database);
      return sealContracts(database, { now });
    });
  waiting.set(database, next);
  latest.set(database, next);
  return next;
}
