/**
 * The after-commit delivery trigger: once the request's transaction commits, its events go out
 * without waiting for the per-minute cron (which is never run here), without delaying the
 * response, and never twice at once when a cron pass races the trigger.
 */
import { schema, serverTestUrl } from '@fenqi/db';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTriggerKeepAlive } from '../../functions/src/webhooks/trigger';
import { deliverDueEvents } from '../../functions/src/webhooks/worker';
import { type Harness, startHarness } from './harness';

const kind = serverTestUrl() ? 'server' : 'pglite';

describe(`after-commit webhook trigger (${kind})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    setTriggerKeepAlive(undefined);
    await h?.close();
  });

  async function confirmNew(): Promise<{ checkoutId: string; respondedAt: number; elapsedMs: number }> {
    const shopper = await h.newShopper();
    const created = await h.createCheckout();
    const started = performance.now();
    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: `confirm-${created.id}`,
      body: { installments: 3 },
    });
    const respondedAt = performance.now();
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('captured');
    return { checkoutId: created.id, respondedAt, elapsedMs: respondedAt - started };
  }

  const receiptsOf = (checkoutId: string) =>
    h.receiver.received.filter(
      (r) => r.event.type === 'checkout.captured' && r.event.data.object.id === checkoutId,
    );

  /** Polls until the checkout's `checkout.captured` arrived or `deadline` (performance.now()) passed. */
  async function receivedBy(checkoutId: string, deadline: number) {
    while (receiptsOf(checkoutId).length === 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return receiptsOf(checkoutId);
  }

  async function capturedEvent(checkoutId: string) {
    const [event] = await h.database.db
      .select()
      .from(schema.outboxEvents)
      .where(
        and(
          eq(schema.outboxEvents.type, 'checkout.captured'),
          sql`${schema.outboxEvents.payload}->>'id' = ${checkoutId}`,
        ),
      );
    return event;
  }

  it('with no cron pass, checkout.captured reaches the receiver within 2 s of the confirm response', async () => {
    const kept: Promise<unknown>[] = [];
    setTriggerKeepAlive((work) => kept.push(work)); // what Vercel's waitUntil would be handed
    const { checkoutId, respondedAt } = await confirmNew();
    const receipts = await receivedBy(checkoutId, respondedAt + 2_000);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.verified).toBe(true);
    expect(kept.length).toBeGreaterThan(0);
    await Promise.all(kept);
    expect(await capturedEvent(checkoutId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('a slow merchant server does not delay the confirm response', async () => {
    h.receiver.delayMs = 1_500;
    try {
      const { checkoutId, elapsedMs } = await confirmNew();
      expect(elapsedMs).toBeLessThan(1_000);
      expect(await receivedBy(checkoutId, performance.now() + 5_000)).toHaveLength(1);
    } finally {
      h.receiver.delayMs = 0;
    }
  });

  it('cron passes racing the trigger deliver the event exactly once', async () => {
    h.receiver.delayMs = 300; // keeps the first delivery in flight while the others try
    try {
      const { checkoutId } = await confirmNew();
      const passes: Promise<unknown>[] = [];
      const until = performance.now() + 1_000;
      while (performance.now() < until) {
        passes.push(deliverDueEvents({ database: h.database, now: new Date(h.nowMs()), keys: h.config }));
        await new Promise((r) => setTimeout(r, 25));
      }
      await Promise.all(passes);
      expect(await receivedBy(checkoutId, performance.now() + 5_000)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 400)); // a second delivery would have landed by now
      expect(receiptsOf(checkoutId)).toHaveLength(1);
      expect(await capturedEvent(checkoutId)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      h.receiver.delayMs = 0;
    }
  });
});
