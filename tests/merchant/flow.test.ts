import { accountBalance, schema, serverTestUrl, verifyInvariants } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FenqiApiError } from '../../merchant-kit/src/index';
import { type Harness, lineOf, outstandingPrincipalFen, startHarness } from './harness';

const kinds = serverTestUrl() ? (['pglite', 'server'] as const) : (['pglite'] as const);
if (!serverTestUrl())
  console.warn('[merchant] FENQI_TEST_PG_URL unset: the checkout flow runs on PGlite only');

describe.each(kinds)('scene installment checkout end to end (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('create → confirm → checkout.captured verified → partial refund reduces the loan → refund.succeeded', async () => {
    const shopper = await h.newShopper();
    const created = await h.merchantA.client.createCheckout({
      out_trade_no: 'ORDER-0001',
      amount: 300_000,
      currency: 'CNY',
      scene: 'dining',
      description: 'Banquet for 10',
      notify_url: h.receiver.url,
    });
    expect(created).toMatchObject({
      status: 'open',
      amount: 300_000,
      capture_method: 'automatic',
      livemode: false,
    });
    expect(created.token).toMatch(/^ct_/);

    const view = await h.request('GET', `/v1/checkouts/${created.token}`, { token: shopper.token });
    expect(view.status).toBe(200);
    expect(view.body.merchant.name).toBe('Noodle Bar');
    expect(view.body.plans.map((p: { installments: number }) => p.installments)).toEqual([3, 6, 9, 12]);
    for (const plan of view.body.plans) {
      expect(plan.apr).toMatch(/^0\.\d+$/);
      expect(plan.monthly_rate).toMatch(/^0\.\d+$/);
      expect(plan.daily_rate).toMatch(/^0\.\d+$/);
      expect(plan.total_amount).toBe(300_000 + plan.total_interest_amount + plan.total_fee_amount);
      expect(plan.installment_amount * plan.installments).toBeGreaterThanOrEqual(
        plan.total_amount - plan.installments,
      );
    }

    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'confirm-1',
      body: { installments: 6 },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('captured');
    const loanId: string = confirmed.body.loan.id;
    expect(confirmed.body.loan).toMatchObject({ principal_amount: 300_000, product: 'scene_installment' });
    expect(confirmed.body.loan.installments).toHaveLength(6);
    expect(await outstandingPrincipalFen(h.database, loanId)).toBe(300_000n);
    // the scene loan gets the same e-signed contract in the evidence chain as any loan
    const contracts = await h.database.db
      .select()
      .from(schema.contracts)
      .where(eq(schema.contracts.loanId, loanId));
    expect(contracts).toHaveLength(1);
    expect(contracts[0]?.signature).toMatch(/^[0-9a-f]{64}$/);
    // signed in the confirm, sealed into the chain after it commits (after-commit trigger, no cron)
    await expect
      .poll(
        async () =>
          (
            await h.database.db
              .select({ seq: schema.contracts.seq })
              .from(schema.contracts)
              .where(eq(schema.contracts.loanId, loanId))
          )[0]?.seq ?? null,
        { timeout: 5_000 },
      )
      .not.toBeNull();
    const line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([300_000n, 0n]);

    const [captured] = await h.receiver.waitFor('checkout.captured');
    expect(captured!.verified).toBe(true);
    expect(captured!.event.data.object).toMatchObject({
      id: created.id,
      status: 'captured',
      captured_amount: 300_000,
    });
    expect(await accountBalance(h.database.db, { code: 'merchant_payable', ownerId: h.merchantA.id })).toBe(
      -300_000n,
    );

    const refund = await h.merchantA.client.createRefund(created.id, {
      amount: 100_000,
      out_refund_no: 'R-1',
    });
    expect(refund).toMatchObject({ amount: 100_000, status: 'succeeded', checkout_id: created.id });
    expect(await outstandingPrincipalFen(h.database, loanId)).toBe(200_000n);
    const installments = await h.database.db
      .select()
      .from(schema.installments)
      .where(eq(schema.installments.loanId, loanId));
    const before = confirmed.body.loan.installments as { number: number; amount: number }[];
    for (const row of installments) {
      const remaining =
        row.principalFen -
        row.paidPrincipalFen +
        row.interestFen -
        row.paidInterestFen -
        row.waivedInterestFen;
      expect(remaining < BigInt(before[row.number - 1]!.amount)).toBe(true); // re-amortised: every installment smaller
    }
    const [refunded] = await h.receiver.waitFor('refund.succeeded');
    expect(refunded!.verified).toBe(true);
    expect(refunded!.event.data.object).toMatchObject({
      id: refund.id,
      amount: 100_000,
      out_refund_no: 'R-1',
    });
    expect(await accountBalance(h.database.db, { code: 'merchant_payable', ownerId: h.merchantA.id })).toBe(
      -200_000n,
    );

    // the same out_refund_no refunds once
    const again = await h.merchantA.client.createRefund(created.id, {
      amount: 100_000,
      out_refund_no: 'R-1',
    });
    expect(again.id).toBe(refund.id);
    expect(await outstandingPrincipalFen(h.database, loanId)).toBe(200_000n);
    const conflict = await h.merchantA.client
      .createRefund(created.id, { amount: 50_000, out_refund_no: 'R-1' })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, code: 'out_refund_no_conflict', param: 'out_refund_no' });
    const after = await h.merchantA.client.retrieveCheckout(created.id);
    expect(after).toMatchObject({
      status: 'partially_refunded',
      refunded_amount: 100_000,
      captured_amount: 300_000,
    });
    const tooMuch = await h.merchantA.client
      .createRefund(created.id, { amount: 200_001, out_refund_no: 'R-2' })
      .catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ status: 422, code: 'refund_amount_exceeds_captured', param: 'amount' });

    // events, newest first
    const events = await h.merchantA.client.listEvents({ limit: 100 });
    const mine = events.data.filter(
      (e) =>
        (e.data.object as { id?: string; checkout_id?: string }).id === created.id ||
        (e.data.object as { checkout_id?: string }).checkout_id === created.id,
    );
    expect(mine.map((e) => e.type)).toEqual(['refund.succeeded', 'checkout.captured', 'checkout.authorized']);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('a full refund after the first installment was repaid: the rest of the loan is gone and the repaid part goes back to the shopper', async () => {
    const shopper = await h.newShopper();
    const created = await h.createCheckout({ amount: 90_000 });
    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'full-1',
      body: { installments: 3 },
    });
    const loanId: string = confirmed.body.loan.id;
    const first = confirmed.body.loan.installments[0] as { amount: number; principal_amount: number };
    const repaid = await h.request('POST', `/v1/loans/${loanId}/repayments`, {
      token: shopper.token,
      idempotencyKey: 'full-repay-1',
      body: { type: 'installment' },
    });
    expect(repaid.status).toBe(201);
    const paidPrincipalFen = 90_000n - (await outstandingPrincipalFen(h.database, loanId));
    expect(paidPrincipalFen).toBe(BigInt(first.principal_amount));

    const refund = await h.merchantA.client.createRefund(created.id, {
      amount: 90_000,
      out_refund_no: 'FULL-1',
    });
    expect(refund.status).toBe('succeeded');
    expect(await outstandingPrincipalFen(h.database, loanId)).toBe(0n);
    const [loan] = await h.database.db.select().from(schema.loans).where(eq(schema.loans.id, loanId));
    expect(loan?.status).toBe('paid_off');
    // The repaid part went to the credit balance and straight back to the shopper's card.
    expect(loan?.creditBalanceFen).toBe(0n);
    const payouts = await h.database.db
      .select()
      .from(schema.creditPayouts)
      .where(eq(schema.creditPayouts.loanId, loanId));
    expect(payouts.map((p) => p.amountFen)).toEqual([paidPrincipalFen]);
    expect(
      await accountBalance(h.database.db, { code: 'user_credit_balance', ownerId: shopper.userId }),
    ).toBe(0n);
    expect((await h.merchantA.client.retrieveCheckout(created.id)).status).toBe('refunded');
    const line = await lineOf(h.database, shopper.userId);
    expect(line.usedFen).toBe(0n);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('merchant B cannot see, capture, cancel or refund merchant A’s checkout (404)', async () => {
    const created = await h.createCheckout();
    for (const attempt of [
      () => h.merchantB.client.retrieveCheckout(created.id),
      () => h.merchantB.client.cancelCheckout(created.id),
      () => h.merchantB.client.captureCheckout(created.id),
      () => h.merchantB.client.createRefund(created.id, { amount: 1, out_refund_no: 'x' }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FenqiApiError);
      expect(error).toMatchObject({ status: 404, code: 'checkout_not_found' });
    }
    const events = await h.merchantB.client.listEvents();
    expect(events.data).toEqual([]);
    const unauth = await h.request('GET', `/v1/merchant/checkouts/${created.id}`, {
      token: 'sk_test_notarealkey0000000000000000000',
    });
    expect(unauth.status).toBe(401);
    expect(unauth.body.error.code).toBe('invalid_api_key');
  });

  it('out_trade_no: same body returns the checkout, a different body is 409; Idempotency-Key replays', async () => {
    const body = {
      out_trade_no: 'DUP-1',
      amount: 50_000,
      currency: 'CNY',
      scene: 'dining',
      description: 'x',
      notify_url: h.receiver.url,
    };
    const first = await h.request('POST', '/v1/merchant/checkouts', { token: h.merchantA.key, body });
    const second = await h.request('POST', '/v1/merchant/checkouts', { token: h.merchantA.key, body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    const changed = await h.request('POST', '/v1/merchant/checkouts', {
      token: h.merchantA.key,
      body: { ...body, amount: 50_001 },
    });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'out_trade_no_conflict', param: 'out_trade_no' });
    const keyed = { ...body, out_trade_no: 'DUP-2' };
    const k1 = await h.request('POST', '/v1/merchant/checkouts', {
      token: h.merchantA.key,
      body: keyed,
      idempotencyKey: 'k-dup-2',
    });
    const k2 = await h.request('POST', '/v1/merchant/checkouts', {
      token: h.merchantA.key,
      body: keyed,
      idempotencyKey: 'k-dup-2',
    });
    expect(k2.headers.get('idempotent-replayed')).toBe('true');
    expect(k2.body).toEqual(k1.body);
    const wrongScene = await h.request('POST', '/v1/merchant/checkouts', {
      token: h.merchantA.key,
      body: { ...body, out_trade_no: 'S-1', scene: 'travel' },
    });
    expect(wrongScene.status).toBe(422);
    expect(wrongScene.body.error).toMatchObject({ code: 'scene_not_allowed', param: 'scene' });
  });

  it.each([
    [{ amount: -1 }, 'amount'],
    [{ amount: 10.5 }, 'amount'],
    [{ amount: '100' }, 'amount'],
    [{ currency: 'USD' }, 'currency'],
    [{ notify_url: 'ftp://x' }, 'notify_url'],
    [{ expires_in: 10 }, 'expires_in'],
    [{ extra: 1 }, 'extra'],
    [{ out_trade_no: 'has space' }, 'out_trade_no'],
  ])('a bad create body %j is a 400 naming %s and writes nothing', async (patch, param) => {
    const before = await h.database.db.select().from(schema.checkouts);
    const res = await h.request('POST', '/v1/merchant/checkouts', {
      token: h.merchantA.key,
      body: {
        out_trade_no: 'BAD-1',
        amount: 100,
        currency: 'CNY',
        scene: 'dining',
        description: 'x',
        notify_url: h.receiver.url,
        ...patch,
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
    expect((await h.database.db.select().from(schema.checkouts)).length).toBe(before.length);
  });

  it('manual capture: authorise holds the amount, a partial capture books that and releases the rest exactly', async () => {
    const shopper = await h.newShopper(1_000_000n);
    const created = await h.createCheckout({ amount: 100_000, capture_method: 'manual' });
    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'm-1',
      body: { installments: 3 },
    });
    expect(confirmed.body.status).toBe('authorized');
    expect(confirmed.body.loan).toBeNull();
    let line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([0n, 100_000n]);
    const over = await h.merchantA.client
      .captureCheckout(created.id, { amount: 100_001 })
      .catch((e: unknown) => e);
    expect(over).toMatchObject({ status: 422, code: 'capture_amount_exceeds_authorized' });
    const capturedCheckout = await h.merchantA.client.captureCheckout(created.id, { amount: 60_000 });
    expect(capturedCheckout).toMatchObject({
      status: 'captured',
      captured_amount: 60_000,
      authorized_amount: 100_000,
    });
    line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([60_000n, 0n]);
    const [loan] = await h.database.db
      .select()
      .from(schema.loans)
      .where(eq(schema.loans.checkoutId, created.id));
    expect(loan?.principalFen).toBe(60_000n);
    const twice = await h.merchantA.client.captureCheckout(created.id).catch((e: unknown) => e);
    expect(twice).toMatchObject({ status: 422, code: 'checkout_not_capturable' });
    await h.receiver.waitFor('checkout.captured', 2);
  });

  it('cancel of an authorised checkout releases the hold exactly and emits checkout.canceled', async () => {
    const shopper = await h.newShopper(1_000_000n);
    const created = await h.createCheckout({ amount: 250_000, capture_method: 'manual' });
    await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'c-1',
      body: { installments: 12 },
    });
    expect((await lineOf(h.database, shopper.userId)).heldFen).toBe(250_000n);
    const canceled = await h.merchantA.client.cancelCheckout(created.id);
    expect(canceled.status).toBe('canceled');
    const line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([0n, 0n]);
    const again = await h.merchantA.client.cancelCheckout(created.id);
    expect(again.status).toBe('canceled');
    const hits = await h.receiver.waitFor('checkout.canceled');
    expect(hits.filter((x) => (x.event.data.object as { id: string }).id === created.id)).toHaveLength(1);
    const late = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'c-2',
      body: { installments: 12 },
    });
    expect(late.status).toBe(422);
  });

  it('an expired checkout cannot be confirmed; reads and the daily step expire it and release holds', async () => {
    const shopper = await h.newShopper();
    const open = await h.createCheckout({ amount: 80_000, expires_in: 60 });
    const manual = await h.createCheckout({ amount: 70_000, capture_method: 'manual' });
    await h.request('POST', `/v1/checkouts/${manual.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'e-1',
      body: { installments: 3 },
    });
    expect((await lineOf(h.database, shopper.userId)).heldFen).toBe(70_000n);

    h.advance(61_000);
    const late = await h.request('POST', `/v1/checkouts/${open.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: 'e-2',
      body: { installments: 3 },
    });
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('checkout_expired');
    expect((await h.merchantA.client.retrieveCheckout(open.id)).status).toBe('expired');
    await h.receiver.waitFor('checkout.expired');

    // the authorisation lasts 7 days; then the daily step expires it and releases the hold
    h.advance(7 * 24 * 3600 * 1000);
    const { dailySteps } = await import('../../functions/src/batch/daily');
    const { withTransaction } = await import('@fenqi/db');
    const step = dailySteps().find((s) => s.name === 'checkout_expiry')!;
    const summary = await withTransaction(h.database, (tx) =>
      step.run({
        tx,
        database: h.database,
        config: {} as never,
        businessDate: '2099-01-01',
        asOf: new Date(h.nowMs()),
      }),
    );
    expect(summary?.expired).toBeGreaterThanOrEqual(1);
    const line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([0n, 0n]);
    expect((await h.merchantA.client.retrieveCheckout(manual.id)).status).toBe('expired');
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('20 concurrent confirms of one checkout create exactly one loan', async () => {
    const shopper = await h.newShopper();
    const created = await h.createCheckout({ amount: 120_000 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
          token: shopper.token,
          idempotencyKey: `race-${i}`,
          body: { installments: 9 },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const loans = await h.database.db
      .select()
      .from(schema.loans)
      .where(eq(schema.loans.checkoutId, created.id));
    expect(loans).toHaveLength(1);
    const ok = results.filter((r) => r.status === 200);
    expect(new Set(ok.map((r) => r.body.loan.id))).toEqual(new Set([loans[0]!.id]));
    const line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([120_000n, 0n]);
  });

  it('confirm checks the borrowing rules: education, health score, limit', async () => {
    const noEducation = await h.newShopper();
    await h.database.db
      .update(schema.users)
      .set({ educationPassedAt: null })
      .where(eq(schema.users.id, noEducation.userId));
    const lowHealth = await h.newShopper();
    // the health score is computed live (debt-to-income, other lenders, history), as for borrowing
    await h.database.db
      .update(schema.users)
      .set({ monthlyDebtPaymentsFen: 1_400_000n, otherLendersCount: 6, overdueHistoryCount: 5 })
      .where(eq(schema.users.id, lowHealth.userId));
    const small = await h.newShopper(100_000n);
    for (const [shopper, code] of [
      [noEducation, 'education_required'],
      [lowHealth, 'health_score_too_low'],
      [small, 'credit_limit_exceeded'],
    ] as const) {
      const created = await h.createCheckout({ amount: 150_000 });
      const res = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
        token: shopper.token,
        idempotencyKey: `rule-${code}`,
        body: { installments: 3 },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe(code);
      expect((await h.merchantA.client.retrieveCheckout(created.id)).status).toBe('open');
    }
    const created = await h.createCheckout({ amount: 150_000 });
    const bad = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: small.token,
      idempotencyKey: 'rule-bad',
      body: { installments: 4 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('installments');
  });
});
