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
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { type Database, schema, withTransaction } from '../db';
import { openWebhookSecret, type SecretKeys } from '../merchant/secrets';
import { nextAttemptAt } from './backoff';
import { signWebhookPayload } from './signature';

const { outboxEvents, webhookEndpoints, checkouts } = schema;

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
  /** Vault keys that open the webhook secrets stored encrypted. */
  keys?: SecretKeys;
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

/** A receiver parses at most this many `v1=` values (merchant-kit's bound): newest first. */
export const SIGNING_SECRETS_MAX = 8;

interface Target {
  url: string;
  /** The current secret first, then rotated-out ones still in their overlap window. */
  secrets: string[];
  endpointId: string;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/**
 * The endpoints whose secrets sign an event of this merchant and mode as of `now`, the current
 * one first: enabled, not expired (`expires_at` unset or later than now), the unexpired current
 * secret (`expires_at` null) before rotated-out ones, newer before older. Pure.
 */
export function signingEndpoints(
  endpoints: readonly EndpointRow[],
  event: { merchantId: string | null; mode: string | null },
  now: Date,
): EndpointRow[] {
  const live = endpoints.filter(
    (e) =>
      e.enabled &&
      e.merchantId === event.merchantId &&
      (!event.mode || e.mode === event.mode) &&
      (e.expiresAt === null || e.expiresAt.getTime() > now.getTime()),
  );
  live.sort(
    (a, b) =>
      Number(a.expiresAt !== null) - Number(b.expiresAt !== null) ||
      b.createdAt.getTime() - a.createdAt.getTime() ||
      (b.expiresAt?.getTime() ?? 0) - (a.expiresAt?.getTime() ?? 0),
  );
  const primary = live[0];
  return primary ? live.filter((e) => e.mode === primary.mode).slice(0, SIGNING_SECRETS_MAX) : [];
}

/**
 * Where each event goes: the `notify_url` of the checkout it is about (checkout events carry the
 * checkout, refund events its `checkout_id`), signed with every valid webhook secret of the
 * merchant for the event's mode (the current one first, see `signingEndpoints`); without a
 * checkout, the current endpoint's own URL. Resolved for a whole pass with two queries.
 */
async function resolveTargets(
  database: Database,
  events: readonly OutboxRow[],
  keys: SecretKeys | undefined,
  now: Date,
): Promise<Map<string, Target>> {
  const merchantIds = [...new Set(events.map((e) => e.merchantId).filter((m): m is string => m !== null))];
  const checkoutIds = [
    ...new Set(events.map((e) => checkoutIdOf(e.payload)).filter((c): c is string => c !== null)),
  ];
  const [endpoints, notify] = await Promise.all([
    merchantIds.length === 0
      ? []
      : database.db
          .select()
          .from(webhookEndpoints)
          .where(
            and(
              inArray(webhookEndpoints.merchantId, merchantIds),
              eq(webhookEndpoints.enabled, true),
              or(isNull(webhookEndpoints.expiresAt), gt(webhookEndpoints.expiresAt, now)),
            ),
          ),
    checkoutIds.length === 0
      ? []
      : database.db
          .select({ id: checkouts.id, merchantId: checkouts.merchantId, notifyUrl: checkouts.notifyUrl })
          .from(checkouts)
          .where(inArray(checkouts.id, checkoutIds)),
  ]);
  const targets = new Map<string, Target>();
  for (const event of events) {
    const signing = signingEndpoints(endpoints, event, now);
    const endpoint = signing[0];
    if (!endpoint) continue;
    const checkoutId = checkoutIdOf(event.payload);
    const checkout = notify.find((c) => c.id === checkoutId && c.merchantId === event.merchantId);
    const secrets = signing
      .map((e) => openWebhookSecret(keys, e.merchantId, e.secret))
      .filter((secret): secret is string => secret !== null);
    if (secrets.length === 0) continue;
    targets.set(event.id, { url: checkout?.notifyUrl ?? endpoint.url, secrets, endpointId: endpoint.id });
  }
  return targets;
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

/**
 * Appends the attempt and moves the event on — only if our lease is still the one on the row
 * (a slow worker whose lease ran out must not overwrite a newer attempt's outcome). One
 * statement, so it is atomic without a transaction.
 */
async function recordAttempt(args: {
  database: Database;
  event: OutboxRow;
  endpointId: string | null;
  outcome: AttemptOutcome;
  now: Date;
}): Promise<void> {
  const { event, outcome, now } = args;
  const next = outcome.ok ? null : nextAttemptAt({ failedAttempts: event.attempts, now });
  const status = outcome.ok ? 'delivered' : next ? 'pending' : 'failed';
  const nowIso = now.toISOString();
  await args.database.db.execute(sql`
    with attempt as (
      insert into webhook_delivery_attempts (id, event_id, endpoint_id, attempt_no, status_code, error, duration_ms, attempted_at)
      values (${newId('wda')}, ${event.id}, ${args.endpointId}, ${event.attempts}, ${outcome.statusCode}, ${outcome.error},
              ${outcome.durationMs}, ${nowIso}::timestamptz)
    )
    update outbox_events set
      status = ${status},
      delivered_at = ${outcome.ok ? nowIso : null}::timestamptz,
      next_attempt_at = coalesce(${next ? next.toISOString() : null}::timestamptz, next_attempt_at),
      locked_until = null
    where id = ${event.id} and locked_until = ${event.lockedUntil!.toISOString()}::timestamptz`);
}

/** Delivers one claimed event to its target and records the attempt. */
export async function deliverEvent(
  options: Omit<DeliveryOptions, 'limit' | 'concurrency' | 'eventIds'>,
  event: OutboxRow,
  target: Target | null,
): Promise<boolean> {
  const fetchImpl = options.fetch ?? fetch;
  const body = webhookBody(event);
  const outcome: AttemptOutcome = target
    ? await post({
        url: target.url,
        body,
        signature: signWebhookPayload({
          secrets: target.secrets,
          timestampSeconds: (options.signatureNowSeconds ?? wallClockSeconds)(),
          payload: body,
        }),
        eventId: event.id,
        fetchImpl,
        timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      })
    : { ok: false, statusCode: null, error: 'no_usable_webhook_endpoint', durationMs: 0 };
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
  if (claimed.length === 0) return summary;
  const targets = await resolveTargets(options.database, claimed, options.keys, options.now);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, 32));
  let index = 0;
  const lanes = Array.from({ length: Math.min(concurrency, claimed.length) }, async () => {
    while (index < claimed.length) {
      const event = claimed[index++]!;
      const ok = await deliverEvent(options, event, targets.get(event.id) ?? null);
      if (ok) summary.delivered += 1;
      else summary.failed += 1;
    }
  });
  await Promise.all(lanes);
  return summary;
}

function wallClockSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
