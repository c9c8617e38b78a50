import { createTestDatabase, newId, schema, serverTestUrl, type TestDatabase } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../functions/src/merchant/keys';
import { ATTEMPTS_MAX, retryDelaySeconds } from '../../functions/src/webhooks/backoff';
import { claimDueEvents, deliverDueEvents, LEASE_SECONDS } from '../../functions/src/webhooks/worker';
import { type Receiver, startReceiver } from './receiver';

const kinds = serverTestUrl() ? (['pglite', 'server'] as const) : (['pglite'] as const);
if (!serverTestUrl())
  console.warn('[merchant] FENQI_TEST_PG_URL unset: webhook delivery runs on PGlite only');

describe.each(kinds)('webhook delivery from the outbox (%s)', (kind) => {
  let database: TestDatabase;
  let receiver: Receiver;
  const secret = generateWebhookSecret();
  const merchantId = newId('mch');
  const t0 = new Date('2026-03-01T02:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    receiver = await startReceiver(() => secret);
    await database.db
      .insert(schema.merchants)
      .values({ id: merchantId, name: 'Noodle Bar', scene: 'dining' });
    await database.db.insert(schema.webhookEndpoints).values({
      id: newId('we'),
      merchantId,
      mode: 'test',
      url: receiver.url,
      secret,
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
  });

  async function insertEvent(createdAt: Date): Promise<string> {
    const id = newId('evt');
    await database.db.insert(schema.outboxEvents).values({
      id,
      type: 'checkout.captured',
      merchantId,
      mode: 'test',
      payload: { id: newId('chk'), object: 'checkout', amount: 1234, currency: 'CNY' },
      nextAttemptAt: createdAt,
      createdAt,
    });
    return id;
  }

  it('a receiver that answers 500 three times gets the event on the fourth try, same id, every attempt recorded', async () => {
    const eventId = await insertEvent(t0);
    receiver.script.push(500, 500, 500);
    let now = t0;
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      // nothing is due a second before the backoff runs out
      if (attempt > 1) {
        const early = await deliverDueEvents({
          database,
          now: new Date(now.getTime() - 1000),
          eventIds: [eventId],
        });
        expect(early.claimed).toBe(0);
      }
      const summary = await deliverDueEvents({ database, now, eventIds: [eventId] });
      expect(summary).toEqual({
        claimed: 1,
        delivered: attempt === 4 ? 1 : 0,
        failed: attempt === 4 ? 0 : 1,
      });
      now = new Date(now.getTime() + retryDelaySeconds(attempt) * 1000);
    }
    const mine = receiver.received.filter((r) => r.event.id === eventId);
    expect(mine.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(mine.every((r) => r.verified)).toBe(true);
    expect(new Set(mine.map((r) => r.raw)).size).toBe(1); // same body, same id, every time
    const [event] = await database.db
      .select()
      .from(schema.outboxEvents)
      .where(eq(schema.outboxEvents.id, eventId));
    expect(event).toMatchObject({ status: 'delivered', attempts: 4, lockedUntil: null });
    const attempts = await database.db
      .select()
      .from(schema.webhookDeliveryAttempts)
      .where(eq(schema.webhookDeliveryAttempts.eventId, eventId));
    expect(attempts.map((a) => [a.attemptNo, a.statusCode]).sort()).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    // delivered: never again
    expect(
      (await deliverDueEvents({ database, now: new Date(now.getTime() + 86_400_000), eventIds: [eventId] }))
        .claimed,
    ).toBe(0);
  });

  it('a claimed event is invisible to other workers until its lease runs out', async () => {
    const eventId = await insertEvent(t0);
    const first = await claimDueEvents({ database, now: t0, limit: 10, eventIds: [eventId] });
    expect(first.map((e) => e.id)).toEqual([eventId]);
    expect(await claimDueEvents({ database, now: t0, limit: 10, eventIds: [eventId] })).toEqual([]);
    const afterLease = new Date(t0.getTime() + LEASE_SECONDS * 1000);
    const second = await claimDueEvents({ database, now: afterLease, limit: 10, eventIds: [eventId] });
    expect(second.map((e) => [e.id, e.attempts])).toEqual([[eventId, 2]]);
  });

  it('an unreachable receiver is retried with backoff and gives up only after ATTEMPTS_MAX attempts (> 24 h)', async () => {
    const eventId = await insertEvent(t0);
    await database.db
      .update(schema.outboxEvents)
      .set({ attempts: ATTEMPTS_MAX - 1 })
      .where(eq(schema.outboxEvents.id, eventId));
    receiver.script.push(503);
    await deliverDueEvents({ database, now: t0, eventIds: [eventId] });
    const [event] = await database.db
      .select()
      .from(schema.outboxEvents)
      .where(eq(schema.outboxEvents.id, eventId));
    expect(event?.status).toBe('failed');
  });

  it('many concurrent workers deliver each event exactly once', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => insertEvent(t0)));
    const before = receiver.received.length;
    const passes = await Promise.all(
      Array.from({ length: 6 }, () => deliverDueEvents({ database, now: t0, eventIds: ids, limit: 10 })),
    );
    const more = await deliverDueEvents({ database, now: t0, eventIds: ids, limit: 100 });
    const delivered = passes.reduce((n, p) => n + p.delivered, 0) + more.delivered;
    expect(delivered).toBe(30);
    const got = receiver.received.slice(before).map((r) => r.event.id);
    expect(got.sort()).toEqual([...ids].sort());
  });
});
