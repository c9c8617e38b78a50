/**
 * Simulator bug 2: money a borrower pays beyond what a loan owes must not stay parked in the
 * credit balance of a paid-off loan — it goes straight back to the borrower's card.
 */
import { applyRepayment, schema, verifyInvariants, withTransaction } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, key, onboard, setClock } from './flows';
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
  it('the daily sweep pays out a balance left on a paid-off loan, and leaves an active loan’s alone', async () => {
    const { token, userId } = await onboard(api, 'late-credit', 2_000_000);
    const body = { product: 'cash_loan', principal_amount: 50_000, method: 'single_payment', term_days: 30 };
    const closed = await borrow(api, token, body);
    const active = await borrow(api, token, body);
    const payoff = await api.post(
      `/v1/loans/${closed.id}/repayments`,
      { type: 'payoff' },
      { token, idempotencyKey: key() },
    );
    expect(payoff.body.loan.status).toBe('paid_off');
    // Money arriving after the loan closed, and money parked on a loan still running
    // (straight through the database primitive: no API path leaves either behind any more).
    for (const [loanId, amountFen] of [
      [closed.id, 700n],
      [active.id, 400n],
    ] as const) {
      const r = await withTransaction(h.database, (tx) =>
        applyRepayment(tx, {
          loanId,
          amountFen,
          source: 'user',
          kind: 'amount',
          allocations: [],
          toCreditBalanceFen: amountFen,
          now: new Date(),
        }),
      );
      expect(r.ok).toBe(true);
    }
    // The next business day's batch (the service clock follows the wall clock until moved).
    await setClock(api, new Date(Date.now() + 86_400_000));

    const balanceOf = async (loanId: string) => (await api.get(`/v1/loans/${loanId}`, { token })).body;
    expect((await balanceOf(closed.id)).credit_balance_amount).toBe(0);
    expect((await balanceOf(active.id)).credit_balance_amount).toBe(400);
    const payouts = await h.database.db
      .select()
      .from(schema.creditPayouts)
      .where(eq(schema.creditPayouts.userId, userId));
    expect(payouts.map((p) => [p.loanId, p.amountFen])).toEqual([[closed.id, 700n]]);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });
});
