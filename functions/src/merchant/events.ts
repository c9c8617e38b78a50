/**
 * Merchant events: written to the outbox in the caller's transaction (so an event exists iff
 * its change committed), listed newest first, and redelivered on request.
 */
import { deferWrite } from '@fenqi/db';
import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import { notFound } from '../http/errors';
import { randomBase62 } from './keys';
import { type EventObject, eventObject } from './objects';

const { outboxEvents } = schema;

export const merchantEventTypes = [
  'checkout.authorized',
  'checkout.captured',
  'checkout.canceled',
  'checkout.expired',
  'refund.succeeded',
] as const;
export type MerchantEventType = (typeof merchantEventTypes)[number];

export interface EmitEventInput {
  type: MerchantEventType;
  merchantId: string;
  mode: 'test' | 'live';
  /** `data.object` of the webhook: plain JSON. */
  object: object;
  now: Date;
}

let lastMs = 0;
let sequence = 0;

/**
 * `evt_` + 9 base-36 digits of the creation time + a 4-digit per-process sequence + 7 random:
 * ids of one process sort in creation order, so events written in the same millisecond (one
 * transaction) list in the order they happened.
 */
export function newEventId(now: Date): string {
  const ms = now.getTime();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = 0;
  } else {
    sequence = (sequence + 1) % 36 ** 4;
  }
  const time = lastMs.toString(36).padStart(9, '0');
  return `evt_${time}${sequence.toString(36).padStart(4, '0')}${randomBase62(7).toLowerCase()}`;
}

/** Inserts several events in one statement, in order; returns their ids. */
export async function emitEvents(tx: Tx, inputs: readonly EmitEventInput[]): Promise<string[]> {
  const rows = inputs.map((input) => ({
    id: newEventId(input.now),
    type: input.type,
    merchantId: input.merchantId,
    mode: input.mode,
    payload: JSON.parse(JSON.stringify(input.object)) as Record<string, unknown>,
    status: 'pending' as const,
    nextAttemptAt: input.now,
    createdAt: input.now,
  }));
  // Read by nobody in this transaction (delivery starts after commit): deferred to its last statement.
  if (rows.length > 0) await deferWrite(tx, tx.insert(outboxEvents).values(rows));
  return rows.map((r) => r.id);
}

/** Inserts the event in `tx`; delivery happens after commit. Returns the event id. */
export async function emitEvent(tx: Tx, input: EmitEventInput): Promise<string> {
  const id = newEventId(input.now);
  await deferWrite(
    tx,
    tx.insert(outboxEvents).values({
      id,
      type: input.type,
      merchantId: input.merchantId,
      mode: input.mode,
      payload: JSON.parse(JSON.stringify(input.object)) as Record<string, unknown>,
      status: 'pending',
      nextAttemptAt: input.now,
      createdAt: input.now,
    }),
  );
  return id;
}

export async function listEvents(args: {
  database: Database;
  merchantId: string;
  mode: 'test' | 'live';
  limit: number;
  startingAfter?: string;
}): Promise<{ data: EventObject[]; has_more: boolean }> {
  const mine = and(eq(outboxEvents.merchantId, args.merchantId), eq(outboxEvents.mode, args.mode));
  let cursor: SQL | undefined;
  if (args.startingAfter) {
    const [anchor] = await args.database.db
      .select({ id: outboxEvents.id, createdAt: outboxEvents.createdAt })
      .from(outboxEvents)
      .where(and(mine, eq(outboxEvents.id, args.startingAfter)));
    if (!anchor) throw notFound('event', 'starting_after');
    cursor = or(
      lt(outboxEvents.createdAt, anchor.createdAt),
      and(eq(outboxEvents.createdAt, anchor.createdAt), lt(outboxEvents.id, anchor.id)),
    );
  }
  const rows = await args.database.db
    .select()
    .from(outboxEvents)
    .where(and(mine, cursor))
    .orderBy(desc(outboxEvents.createdAt), desc(outboxEvents.id))
    .limit(args.limit + 1);
  return { data: rows.slice(0, args.limit).map(eventObject), has_more: rows.length > args.limit };
}

/**
 * Schedules one more delivery of an event, same id and body, now. A delivered or failed event
 * goes back to `pending`; a pending one just becomes due now.
 */
export async function redeliverEvent(
  tx: Tx,
  args: { merchantId: string; mode: 'test' | 'live'; eventId: string; now: Date },
): Promise<void> {
  const rows = await tx
    .update(outboxEvents)
    .set({ status: 'pending', nextAttemptAt: args.now })
    .where(
      and(
        eq(outboxEvents.id, args.eventId),
        eq(outboxEvents.merchantId, args.merchantId),
        eq(outboxEvents.mode, args.mode),
      ),
    )
    .returning({ id: outboxEvents.id });
  if (rows.length === 0) throw notFound('event', 'id');
}
