import { schema, serverTestUrl, verifyInvariants } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, lineOf, startHarness } from './harness';

const kinds = serverTestUrl() ? (['pglite', 'server'] as const) : (['pglite'] as const);

describe.each(kinds)('checkout lifecycle laws (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the test clock runs the daily batch, whose checkout-expiry step expires open checkouts', async () => {
    const created = await h.createCheckout({ amount: 20_000 });
    const target = new Date(h.nowMs() + 2 * 24 * 3600 * 1000).toISOString();
    const moved = await h.request('POST', '/v1/test/clock', { body: { now: target } });
    expect(moved.status).toBe(200);
    const [row] = await h.database.db
      .select()
      .from(schema.checkouts)
      .where(eq(schema.checkouts.id, created.id));
    expect(row?.status).toBe('expired'); // expired by the batch, before anyone read it
    await h.receiver.waitFor('checkout.expired');
  });

  it('API keys rotate: the new key works at once, the old one until its grace ends', async () => {
    const { withTransaction } = await import('@fenqi/db');
    const { createMerchant } = await import('../../functions/src/merchant/merchants');
    const { FenqiClient } = await import('../../merchant-kit/src/index');
    const m = await withTransaction(h.database, (tx) =>
      createMerchant(tx, {
        name: 'Key Shop',
        scene: 'retail',
        modes: ['test'],
        webhookUrl: h.receiver.url,
        now: new Date(h.nowMs()),
        keys: h.config,
      }),
    );
    const oldClient = new FenqiClient({ apiKey: m.apiKeys.test!, baseUrl: h.baseUrl });
    const rotated = await oldClient.rotateApiKey({ expire_current_in: 3_600 });
    expect(rotated.secret).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(rotated.prefix).toBe(`sk_test_…${rotated.secret.slice(-4)}`);
    const newClient = new FenqiClient({ apiKey: rotated.secret, baseUrl: h.baseUrl });
    expect((await oldClient.listEvents()).data).toEqual([]);
    expect((await newClient.listEvents()).data).toEqual([]);
    h.advance(3_601_000);
    await expect(oldClient.listEvents()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const again = await newClient.rotateApiKey();
    await expect(newClient.listEvents()).rejects.toMatchObject({ status: 401 });
    const latest = new FenqiClient({ apiKey: again.secret, baseUrl: h.baseUrl });
    expect((await latest.listEvents()).data).toEqual([]);
    const keys = await h.database.db
      .select()
      .from(schema.apiKeys)
      .where(eq(schema.apiKeys.merchantId, m.merchantId));
    expect(keys.map((k) => k.keyHash).join()).not.toContain(again.secret); // only hashes stored
    expect(keys).toHaveLength(3);
  });

  it('events page newest first with starting_after, and a redelivery sends the same event again', async () => {
    for (let i = 0; i < 3; i += 1) {
      const c = await h.createCheckout({ amount: 20_000 });
      await h.merchantA.client.cancelCheckout(c.id);
    }
    const all = await h.merchantA.client.listEvents({ limit: 100 });
    const paged: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 100; guard += 1) {
      const page = await h.merchantA.client.listEvents({
        limit: 2,
        ...(cursor ? { starting_after: cursor } : {}),
      });
      paged.push(...page.data.map((e) => e.id));
      if (!page.has_more) break;
      cursor = page.data.at(-1)!.id;
    }
    expect(paged).toEqual(all.data.map((e) => e.id));
    const created = all.data.map((e) => e.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    await h.receiver.waitFor('checkout.canceled', 3);
    const target = all.data.find((e) => e.type === 'checkout.canceled')!;
    const before = h.receiver.received.filter((r) => r.event.id === target.id).length;
    const res = await h.merchantA.client.redeliverEvent(target.id);
    expect(res).toEqual({ id: target.id, redelivery_scheduled: true });
    for (
      let i = 0;
      i < 200 && h.receiver.received.filter((r) => r.event.id === target.id).length === before;
      i += 1
    ) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const copies = h.receiver.received.filter((r) => r.event.id === target.id);
    expect(copies.length).toBe(before + 1);
    expect(copies.every((c) => c.verified && c.raw === copies[0]!.raw)).toBe(true);
    await expect(h.merchantB.client.redeliverEvent(target.id)).rejects.toMatchObject({ status: 404 });
    await expect(h.merchantA.client.redeliverEvent('evt_doesnotexist')).rejects.toMatchObject({
      status: 404,
    });
  });

  it('a payoff the rebate covers (bill paid weeks early, then a refund of almost all the rest) closes the loan at 0 and pays the excess back', async () => {
    const shopper = await h.newShopper(1_000_000n);
    const created = await h.createCheckout({ amount: 292_510 });
    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: `rebate-confirm-${created.id}`,
      body: { installments: 12 },
    });
    expect(confirmed.status).toBe(200);
    const loanId = confirmed.body.loan_id as string;
    const paid = await h.request('POST', `/v1/loans/${loanId}/repayments`, {
      token: shopper.token,
      idempotencyKey: `rebate-bill-${loanId}`,
      body: { type: 'installment' },
    });
    expect(paid.status).toBe(201);
    const loan = await h.request('GET', `/v1/loans/${loanId}`, { token: shopper.token });
    const schedule = loan.body.installments as Array<{
      principal_amount: number;
      paid_principal_amount?: number;
    }>;
    const principalLeft = schedule.slice(1).reduce((t, i) => t + i.principal_amount, 0);
    const refund = await h.request('POST', `/v1/merchant/checkouts/${created.id}/refunds`, {
      token: h.merchantA.key,
      idempotencyKey: `rebate-refund-${created.id}`,
      body: { amount: principalLeft - 100, out_refund_no: `rebate-${created.id}` },
    });
    expect(refund.status).toBe(201);
    const quote = await h.request('GET', `/v1/loans/${loanId}/payoff`, { token: shopper.token });
    expect(quote.status).toBe(200);
    // the scenario: what was paid ahead is worth more than everything still owed
    expect(quote.body.amount).toBe(0);
    expect(quote.body.rebate_amount).toBeGreaterThan(
      quote.body.principal_amount + quote.body.interest_amount,
    );
    const payoff = await h.request('POST', `/v1/loans/${loanId}/repayments`, {
      token: shopper.token,
      idempotencyKey: `rebate-payoff-${loanId}`,
      body: { type: 'payoff' },
    });
    expect(payoff.status, JSON.stringify(payoff.body)).toBe(201);
    expect(payoff.body.amount).toBe(0);
    expect(payoff.body.loan.status).toBe('paid_off');
    expect(payoff.body.to_credit_balance_amount).toBe(
      quote.body.rebate_amount - quote.body.principal_amount - quote.body.interest_amount,
    );
    const [row] = await h.database.db.select().from(schema.loans).where(eq(schema.loans.id, loanId));
    expect(row?.creditBalanceFen).toBe(0n); // paid back to the card
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('confirm racing cancel: exactly one wins and the line holds exactly what the outcome says', async () => {
    for (let round = 0; round < 3; round += 1) {
      const shopper = await h.newShopper(1_000_000n);
      const created = await h.createCheckout({
        amount: 40_000,
        capture_method: round === 1 ? 'automatic' : 'manual',
      });
      const [confirm, cancel] = await Promise.all([
        h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
          token: shopper.token,
          idempotencyKey: `race-c-${round}`,
          body: { installments: 3 },
        }),
        h.request('POST', `/v1/merchant/checkouts/${created.id}/cancel`, {
          token: h.merchantA.key,
          body: {},
        }),
      ]);
      const final = await h.merchantA.client.retrieveCheckout(created.id);
      const line = await lineOf(h.database, shopper.userId);
      if (final.status === 'canceled') {
        expect([line.usedFen, line.heldFen]).toEqual([0n, 0n]);
        expect(cancel.status).toBe(200);
      } else {
        expect(confirm.status).toBe(200);
        expect(cancel.status).toBe(422);
        expect(final.status).toBe(round === 1 ? 'captured' : 'authorized');
        expect(line.usedFen + line.heldFen).toBe(40_000n);
      }
    }
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('random operation sequences keep the line, the ledger and the checkouts consistent', async () => {
    type Op = {
      kind: 'confirm' | 'capture' | 'cancel' | 'refund' | 'read';
      amount: number;
      installments: 3 | 6 | 9 | 12;
    };
    const op = fc.record({
      kind: fc.constantFrom<Op['kind']>('confirm', 'capture', 'cancel', 'refund', 'read'),
      amount: fc.integer({ min: 1, max: 60_000 }),
      installments: fc.constantFrom<3 | 6 | 9 | 12>(3, 6, 9, 12),
    });
    const scenarios = fc.sample(
      fc.record({
        manual: fc.boolean(),
        amount: fc.integer({ min: 10_000, max: 60_000 }),
        ops: fc.array(op, { minLength: 1, maxLength: 6 }),
      }),
      { numRuns: 6, seed: 20_260_301 },
    );
    let n = 0;
    for (const scenario of scenarios) {
      const shopper = await h.newShopper(1_000_000n);
      const created = await h.createCheckout({
        amount: scenario.amount,
        capture_method: scenario.manual ? 'manual' : 'automatic',
      });
      for (const o of scenario.ops) {
        n += 1;
        const key = `law-${n}`;
        const res =
          o.kind === 'confirm'
            ? await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
                token: shopper.token,
                idempotencyKey: key,
                body: { installments: o.installments },
              })
            : o.kind === 'capture'
              ? await h.request('POST', `/v1/merchant/checkouts/${created.id}/capture`, {
                  token: h.merchantA.key,
                  idempotencyKey: key,
                  body: { amount: Math.min(o.amount, scenario.amount) },
                })
              : o.kind === 'cancel'
                ? await h.request('POST', `/v1/merchant/checkouts/${created.id}/cancel`, {
                    token: h.merchantA.key,
                    body: {},
                  })
                : o.kind === 'refund'
                  ? await h.request('POST', `/v1/merchant/checkouts/${created.id}/refunds`, {
                      token: h.merchantA.key,
                      idempotencyKey: key,
                      body: { amount: o.amount, out_refund_no: key },
                    })
                  : await h.request('GET', `/v1/merchant/checkouts/${created.id}`, {
                      token: h.merchantA.key,
                    });
        expect(
          res.status === 200 || res.status === 201 || res.status === 422,
          `${o.kind} → ${res.status} ${JSON.stringify(res.body)}`,
        ).toBe(true);
      }
      const c = await h.merchantA.client.retrieveCheckout(created.id);
      const line = await lineOf(h.database, shopper.userId);
      const loans = await h.database.db
        .select()
        .from(schema.loans)
        .where(eq(schema.loans.checkoutId, created.id));
      expect(c.refunded_amount).toBeLessThanOrEqual(c.captured_amount);
      expect(c.captured_amount).toBeLessThanOrEqual(c.amount);
      if (c.status === 'authorized') expect(line.heldFen).toBe(BigInt(c.authorized_amount));
      else expect(line.heldFen).toBe(0n);
      expect(loans).toHaveLength(c.captured_amount > 0 ? 1 : 0);
      if (loans[0]) expect(loans[0].principalFen).toBe(BigInt(c.captured_amount));
    }
    expect(await verifyInvariants(h.database)).toEqual([]);
  });
});
