/**
 * Simulator bug 2: money a borrower pays beyond what a loan owes must not stay parked in the
 * credit balance of a paid-off loan — it goes straight back to the borrower's card.
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, key, onboard } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

describe.each(dbKinds())('credit balance payout on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());

  it('overpaying a loan pays it off and sends the excess back to the borrower, once', async () => {
    const { token, userId } = await onboard(api, 'overpayer', 2_000_000);
    const loan = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 72_269,
      method: 'single_payment',
      term_days: 30,
    });
    const quote = await api.get(`/v1/loans/${loan.id}/payoff`, { token });
    expect(quote.status).toBe(200);
    const overFen = 333;
    const idempotencyKey = key();
    const paid = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: quote.body.amount + overFen },
      { token, idempotencyKey },
    );
    expect(paid.status).toBe(201);
    expect(paid.body.to_credit_balance_amount).toBe(overFen);
    expect(paid.body.loan.status).toBe('paid_off');
    expect(paid.body.loan.credit_balance_amount).toBe(0);

    const after = await api.get(`/v1/loans/${loan.id}`, { token });
    expect([after.body.status, after.body.credit_balance_amount]).toEqual(['paid_off', 0]);

    // A replay of the same request pays nothing out a second time.
    const replay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: quote.body.amount + overFen },
      { token, idempotencyKey },
    );
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(paid.body.id);

    const payouts = await h.database.db
      .select()
      .from(schema.creditPayouts)
      .where(eq(schema.creditPayouts.loanId, loan.id));
    expect(payouts.map((p) => [p.userId, p.amountFen])).toEqual([[userId, BigInt(overFen)]]);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });
});
