/**
 * The payment password on checkout confirm (POST /v1/checkouts/{token}/confirm): required once
 * set, a wrong one is counted and leaves the checkout open and the line untouched, the right
 * one pays; a malformed X-Device-Location is refused before anything happens.
 */
import { schema } from '@fenqi/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { dbKinds } from '../api/harness';
import { type Harness, lineOf, startHarness } from '../merchant/harness';

const PASSWORD = '582937';

describe.each(dbKinds())('checkout confirm with a payment password on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  it('missing → 422, wrong → 422 and counted, right → captured exactly once', async () => {
    const shopper = await h.newShopper();
    const set = await h.request('PUT', '/v1/me/payment-password', {
      token: shopper.token,
      body: { password: PASSWORD },
    });
    expect(set.status).toBe(200);
    const checkout = await h.createCheckout();
    const confirm = (body: Record<string, unknown>, idempotencyKey: string) =>
      h.request('POST', `/v1/checkouts/${checkout.token}/confirm`, {
        token: shopper.token,
        idempotencyKey,
        body,
      });

    const missing = await confirm({ installments: 6 }, 'c-1');
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({
      code: 'payment_password_required',
      param: 'payment_password',
    });

    const wrong = await confirm({ installments: 6, payment_password: '104729' }, 'c-1');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({
      code: 'payment_password_incorrect',
      param: 'payment_password',
      attempts_remaining: 2,
    });
    await settleRiskWrites();
    const attempts = await h.database.db
      .select()
      .from(schema.loginAttempts)
      .where(
        and(eq(schema.loginAttempts.subject, shopper.userId), eq(schema.loginAttempts.kind, 'password')),
      );
    expect(attempts.map((a) => a.success)).toEqual([false]);
    const still = await h.request('GET', `/v1/checkouts/${checkout.token}`, { token: shopper.token });
    expect(still.body.status).toBe('open');
    const line = await lineOf(h.database, shopper.userId);
    expect([line.usedFen, line.heldFen]).toEqual([0n, 0n]);

    const badLocation = await fetch(`${h.baseUrl}/v1/checkouts/${checkout.token}/confirm`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${shopper.token}`,
        'idempotency-key': 'c-1',
        'content-type': 'application/json',
        'x-device-location': '39.9,200',
      },
      body: JSON.stringify({ installments: 6, payment_password: PASSWORD }),
    });
    expect(badLocation.status).toBe(400);
    expect((await badLocation.json()).error).toMatchObject({
      code: 'invalid_header',
      param: 'X-Device-Location',
    });

    const paid = await confirm({ installments: 6, payment_password: PASSWORD }, 'c-1');
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('captured');
    const replay = await confirm({ installments: 6, payment_password: PASSWORD }, 'c-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.loan.id).toBe(paid.body.loan.id);
    await settleRiskWrites();
    const [user] = await h.database.db.select().from(schema.users).where(eq(schema.users.id, shopper.userId));
    expect(user?.failedPasswordCount).toBe(0);
  });
});
