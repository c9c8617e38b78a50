/**
 * Webhook delivery from the outbox.
 *
 * 1. Claim: one short transaction picks due events (`status = 'pending'`, `next_attempt_at ≤
 *    now`, no live lease) with `FOR UPDATE SKIP LOCKED`, sets a lease (`locked_until = now +
 *    LEASE`) and counts the attempt. Concurrent workers skip each other's rows, and a claimed
 *    row is invisible to others until its lease runs out, so an event is never delivered by
 *    two workers at once. A worker that dies mid-delivery only delays the event by the lease.
 * 2. Deliver outside any transaction: POST the signed body to the checkout's `notify_url`
 *    with a timeout shorter than the lease.
 * 3. Record: in one transaction append the attempt and — only if our lease is still the one
 *    on the row (fencing) — mark it delivered or schedule the next attempt by `backoff.ts`.
 *
 * The body is the same on every attempt (`id`, `type`, `created`, `data.object`); only the
 * signature's timestamp changes. At least once: receivers dedupe by `id`.
 */

import { newId } from '@fenqi/db';
import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { type Database, schema, withTransaction } from '../db';
import { nextAttemptAt } from './backoff';
import { signWebhookPayload } from './signature';

const { outboxEvents, webhookDeliveryAttempts, webhookEndpoints, checkouts } = schema;

export const LEASE_SECONDS = 60;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const CLAIM_BATCH_MAX = 100;
const ERROR_TEXT_MAX = 300;

type OutboxRow = typeof outboxEvents.$inferSelect;

export interface DeliveryOptions {
  database: Database;
  /** Service clock: decides what is due and when the next attempt is. */
  now: Date;
  /** Wall clock in unix seconds for the signature's `t` (receivers compare it with theirs). */
  signatureNowSeconds?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Events claimed in one pass (≤ CLAIM_BATCH_MAX). */
  limit?: number;
  /** Parallel HTTP requests within one pass. */
  concurrency?: number;
  /** Restrict to these event ids (after-commit trigger for the events just written). */
  eventIds?: readonly string[];
}

export interface DeliverySummary {
  claimed: number;
  delivered: number;
  failed: number;
}

/** The webhook body, byte for byte the same on every attempt. */
export function webhookBody(event: Pick<OutboxRow, 'id' | 'type' | 'createdAt' | 'payload'>): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created: Math.floor(event.createdAt.getTime() / 1000),
    data: { object: event.payload },
  });
}

export async function claimDueEvents(args: {
  database: Database;
  now: Date;
  limit: number;
  eventIds?: readonly string[];
}): Promise<OutboxRow[]> {
  const limit = Math.min(Math.max(1, args.limit), CLAIM_BATCH_MAX);
  const leaseUntil = new Date(args.now.getTime() + LEASE_SECONDS * 1000);
  return withTransaction(args.database, async (tx) => {
    const due = await tx
      .select({ id: outboxEvents.id })
      .from(outboxEvents)
      .where(
        and(
          eq(outboxEvents.status, 'pending'),
          isNotNull(outboxEvents.merchantId),
          lte(outboxEvents.nextAttemptAt, args.now),
          or(isNull(outboxEvents.lockedUntil), lte(outboxEvents.lockedUntil, args.now)),
          args.eventIds ? inArray(outboxEvents.id, [...args.eventIds]) : undefined,
        ),
      )
      .orderBy(asc(outboxEvents.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(outboxEvents)
      .set({ lockedUntil: leaseUntil, attempts: sql`${outboxEvents.attempts} + 1` })
      .where(
        inArray(
          outboxEvents.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
  });
}

interface Target {
  url: string;
  secret: string;
  endpointId: string;
}

/**
 * Where an event goes: the `notify_url` of the checkout it is about (checkout events carry the
 * checkout, refund events its `checkout_id`), signed with the merchant's webhook secret for
 * the event's mode. Without a checkout the endpoint's own URL is used.
 */
async function resolveTarget(database: Database, event: OutboxRow): Promise<Target | null> {
  if (!event.merchantId) return null;
  const endpointRows = await database.db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.merchantId, event.merchantId),
        eq(webhookEndpoints.enabled, true),
        event.mode ? eq(webhookEndpoints.mode, event.mode) : undefined,
      ),
    )
    .orderBy(desc(webhookEndpoints.createdAt))
    .limit(1);
  const endpoint = endpointRows[0];
  if (!endpoint) return null;
  const checkoutId = checkoutIdOf(event.payload);
  if (checkoutId) {
    const rows = await database.db
      .select({ notifyUrl: checkouts.notifyUrl })
      .from(checkouts)
      .where(and(eq(checkouts.id, checkoutId), eq(checkouts.merchantId, event.merchantId)))
      .limit(1);
    if (rows[0]) return { url: rows[0].notifyUrl, secret: endpoint.secret, endpointId: endpoint.id };
  }
  return { url: endpoint.url, secret: endpoint.secret, endpointId: endpoint.id };
}

export function checkoutIdOf(payload: Record<string, unknown>): string | null {
  if (payload.object === 'checkout' && typeof payload.id === 'string') return payload.id;
  if (typeof payload.checkout_id === 'string') return payload.checkout_id;
  return null;
}

interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

async function post(args: {
  url: string;
  body: string;
  signature: string;
  eventId: string;
  fetchImpl: typeof fetch;
  timeoutMs: number;
}): Promise<AttemptOutcome> {
  const started = performance.now();
  try {
    const response = await args.fetchImpl(args.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Fenqi-Webhooks/1.0',
        'fenqi-signature': args.signature,
        'fenqi-event-id': args.eventId,
      },
      body: args.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(args.timeoutMs),
    });
    // Drain so the connection can be reused; the receiver's body is not stored.
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      error: ok ? null : `HTTP ${response.status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const error =
      name === 'TimeoutError' || name === 'AbortError'
        ? 'timeout'
        : `${name}: ${String((err as Error)?.message ?? err)}`;
    return {
      ok: false,
      statusCode: null,
      error: error.slice(0, ERROR_TEXT_MAX),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Appends the attempt and moves the event on, if the lease is still ours. */
async function recordAttempt(args: {
  database: Database;
  event: OutboxRow;
  endpointId: string | null;
  outcome: AttemptOutcome;
  now: Date;
}): Promise<void> {
  const { event, outcome, now } = args;
  const next = outcome.ok ? null : nextAttemptAt({ failedAttempts: event.attempts, now });
  await withTransaction(args.database, async (tx) => {
    await tx.insert(webhookDeliveryAttempts).values({
      id: newId('wda'),
      eventId: event.id,
      endpointId: args.endpointId,
      attemptNo: event.attempts,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: outcome.durationMs,
      attemptedAt: now,
    });
    await tx
      .update(outboxEvents)
      .set(
        outcome.ok
          ? { status: 'delivered', deliveredAt: now, lockedUntil: null }
          : next
            ? { nextAttemptAt: next, lockedUntil: null }
            : { status: 'failed', lockedUntil: null },
      )
      .where(and(eq(outboxEvents.id, event.id), eq(outboxEvents.lockedUntil, event.lockedUntil!)));
  });
}

export async function deliverEvent(
  options: Omit<DeliveryOptions, 'limit' | 'concurrency' | 'eventIds'>,
  event: OutboxRow,
): Promise<boolean> {
  const fetchImpl = options.fetch ?? fetch;
  const target = await resolveTarget(options.database, event);
  const outcome: AttemptOutcome = target
    ? await post({
        url: target.url,
        body: webhookBody(event),
        signature: signWebhookPayload({
          secret: target.secret,
          timestampSeconds: (options.signatureNowSeconds ?? wallClockSeconds)(),
          payload: webhookBody(event),
        }),
        eventId: event.id,
        fetchImpl,
        timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      })
    : { ok: false, statusCode: null, error: 'no_enabled_webhook_endpoint', durationMs: 0 };
  await recordAttempt({
    database: options.database,
    event,
    endpointId: target?.endpointId ?? null,
    outcome,
    now: options.now,
  });
  return outcome.ok;
}

/** One pass: claim what is due, deliver with bounded parallelism, record every attempt. */
export async function deliverDueEvents(options: DeliveryOptions): Promise<DeliverySummary> {
  const claimed = await claimDueEvents({
    database: options.database,
    now: options.now,
    limit: options.limit ?? 50,
    ...(options.eventIds ? { eventIds: options.eventIds } : {}),
  });
  const summary: DeliverySummary = { claimed: claimed.length, delivered: 0, failed: 0 };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, 32));
  let index = 0;
  const lanes = Array.from({ length: Math.min(concurrency, claimed.length) }, async () => {
    while (index < claimed.length) {
      const event = claimed[index++]!;
      const ok = await deliverEvent(options, event);
      if (ok) summary.delivered += 1;
      else summary.failed += 1;
    }
  });
  await Promise.all(lanes);
  return summary;
}

/**
 * After-commit trigger: fire-and-forget delivery of the events a request just wrote. Never
 * called inside a transaction; failures are left to the cron pass.
 */
export function triggerDelivery(options: DeliveryOptions): void {
  void deliverDueEvents(options).catch((err: unknown) => {
    console.error(
      JSON.stringify({ msg: 'webhook_trigger_failed', error: err instanceof Error ? err.name : 'unknown' }),
    );
  });
}

function wallClockSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
