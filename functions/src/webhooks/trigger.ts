/**
 * After-commit delivery trigger. A handler knows the ids of the events it wrote (or scheduled
 * again) but may run inside the request's transaction (on idempotent routes the dispatcher's),
 * which commits only after the handler returns. So the trigger is fire-and-forget — it never
 * delays the response — and waits, with a short bounded backoff (≈ 2.5 s in all), until the
 * events are visible as `pending` (committed), then delivers them through the worker's claim
 * (lease + `SKIP LOCKED`), so a trigger racing the cron pass never delivers an event twice at
 * once. Events of a rolled-back request never become visible and the trigger gives up.
 *
 * Where it runs: the local server runs it in-process. On Vercel the function may be frozen once
 * the response is sent, so the entry registers `waitUntil` from `@vercel/functions` with
 * `setTriggerKeepAlive` and the platform keeps the instance alive until the trigger settles.
 * Whatever a trigger misses (crash, time limit, a rolled-back race) the per-minute cron pass
 * (`/v1/cron/webhooks`) delivers. Failures are logged by error name only: no payload, no PII.
 */
import { inArray } from 'drizzle-orm';
import { type Database, schema } from '../db';
import type { SecretKeys } from '../merchant/secrets';
import { deliverDueEvents } from './worker';

const VISIBILITY_WAITS_MS = [0, 5, 10, 20, 40, 80, 160, 320, 640, 1280] as const;

export interface TriggerOptions {
  database: Database;
  /** Service clock at the request. */
  now: Date;
  eventIds: readonly string[];
  /** Vault keys that open the webhook secrets. */
  keys: SecretKeys;
  fetch?: typeof fetch;
}

let inFlight = new Set<Promise<void>>();

/** Keeps the platform's instance alive until background work settles (Vercel's `waitUntil`). */
export type KeepAlive = (work: Promise<unknown>) => void;
let keepAlive: KeepAlive | undefined;

/** Registers (or clears, with `undefined`) the platform's keep-alive for triggers. */
export function setTriggerKeepAlive(fn: KeepAlive | undefined): void {
  keepAlive = fn;
}

export function triggerAfterCommit(options: TriggerOptions): void {
  if (options.eventIds.length === 0) return;
  const run = deliverWhenVisible(options).catch((err: unknown) => {
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'webhook_trigger_failed',
        error: err instanceof Error ? err.name : 'unknown',
      }),
    );
  });
  keepInFlight(run);
}

/**
 * Tracks after-commit background work (this trigger, the contract sealer): the platform's
 * keep-alive holds the instance until it settles, and `settleTriggers` waits for it. `run`
 * must not reject.
 */
export function keepInFlight(run: Promise<void>): void {
  inFlight.add(run);
  void run.finally(() => inFlight.delete(run));
  try {
    keepAlive?.(run);
  } catch {
    // outside a request context: the trigger still runs in-process, the cron is the fallback
  }
}

/** Waits for every trigger started so far (tests, graceful shutdown). */
export async function settleTriggers(): Promise<void> {
  while (inFlight.size > 0) {
    const current = [...inFlight];
    inFlight = new Set();
    await Promise.all(current);
  }
}

/** What the trigger does with the events it waits for, as their committed rows say at `now`. */
export function triggerPlan(
  rows: readonly { id: string; status: string; nextAttemptAt: Date; lockedUntil: Date | null }[],
  now: Date,
): { deliver: string[]; done: string[] } {
  const deliver: string[] = [];
  const done: string[] = [];
  for (const row of rows) {
    if (row.status !== 'pending') continue; // not committed yet (or an older state): wait
    if (row.lockedUntil && row.lockedUntil.getTime() > now.getTime())
      done.push(row.id); // a worker has it
    else if (row.nextAttemptAt.getTime() <= now.getTime()) deliver.push(row.id);
    // pending but not due: the committed row is still the old schedule (a redelivery not yet
    // committed) — wait
  }
  return { deliver, done };
}

async function deliverWhenVisible(options: TriggerOptions): Promise<void> {
  const started = Date.now();
  let remaining = [...options.eventIds];
  for (const waitMs of VISIBILITY_WAITS_MS) {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const now = new Date(options.now.getTime() + (Date.now() - started));
    const rows = await options.database.db
      .select({
        id: schema.outboxEvents.id,
        status: schema.outboxEvents.status,
        nextAttemptAt: schema.outboxEvents.nextAttemptAt,
        lockedUntil: schema.outboxEvents.lockedUntil,
      })
      .from(schema.outboxEvents)
      .where(inArray(schema.outboxEvents.id, remaining));
    const plan = triggerPlan(rows, now);
    if (plan.deliver.length > 0) {
      // the claim decides: an event a racing cron pass took in between is skipped, not resent
      await deliverDueEvents({
        database: options.database,
        now,
        eventIds: plan.deliver,
        keys: options.keys,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }
    const handled = new Set([...plan.deliver, ...plan.done]);
    remaining = remaining.filter((id) => !handled.has(id));
    if (remaining.length === 0) return;
  }
}
