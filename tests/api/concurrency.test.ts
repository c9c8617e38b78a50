/**
 * Concurrency through the whole API (meaningful on the real server; PGlite serialises):
 * - 12 concurrent borrows by one person whose line has room for 3 → exactly 3 loans, the
 *   rest `credit_limit_exceeded`, and the line is never overdrawn;
 * - 10 concurrent repayments of one loan with different keys → every fen accounted once;
 * - the same Idempotency-Key sent 10 times at once → one loan.
 * The risk gate is allow-all here (its own rules are tested by the risk area).
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { allowAllRiskGate, registerRiskGate, riskGate } from '@fenqi/functions';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, key, onboard } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

describe.each(dbKinds())('concurrent requests on %s', (kind) => {
  let h: Harness;
  let api: Api;
  const previous = riskGate();
  beforeAll(async () => {
    registerRiskGate(allowAllRiskGate);
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => {
    registerRiskGate(previous);
    await h?.close();
  });

  it('never overdraws a line', async () => {
    // Income ¥10,000 → new-user line ¥20,000; each loan ¥6,000 → room for 3.
    const { token, userId } = await onboard(api, 'conc-line', 1_000_000);
    const body = {
      product: 'cash_loan',
      principal_amount: 600_000,
      term_months: 12,
      method: 'equal_installment',
    };
    const rs = await Promise.all(
      Array.from({ length: 12 }, () => api.post('/v1/loans', body, { token, idempotencyKey: key() })),
    );
    const ok = rs.filter((r) => r.status === 201);
    expect(ok).toHaveLength(3);
    for (const r of rs.filter((x) => x.status !== 201))
      expect(r.body.error.code).toBe('credit_limit_exceeded');
    const [line] = await h.database.db
      .select()
      .from(schema.creditLines)
      .where(eq(schema.creditLines.userId, userId));
    expect(line?.usedFen).toBe(1_800_000n);
    expect((await api.get('/v1/credit/line', { token })).body.available_amount).toBe(200_000);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('never lets two concurrent borrows pass the ¥200,000 consumer cap together', async () => {
    // A ¥300,000 line (¥200,000 base + ¥100,000 temporary): two ¥150,000 consumer loans fit
    // the line, but together they exceed the consumer cap — exactly one may be booked. The
    // second borrow must see the first one's principal once it gets the row locks.
    const { token, userId } = await onboard(api, 'conc-cap', 10_000_000);
    await h.database.db
      .update(schema.creditLines)
      .set({
        baseLimitFen: 20_000_000n,
        temporaryLimitFen: 10_000_000n,
        temporaryExpiresAt: new Date(Date.now() + 20 * 86_400_000),
      })
      .where(eq(schema.creditLines.userId, userId));
    const body = {
      product: 'cash_loan',
      principal_amount: 15_000_000,
      term_months: 12,
      method: 'equal_installment',
    };
    const rs = await Promise.all(
      Array.from({ length: 4 }, () => api.post('/v1/loans', body, { token, idempotencyKey: key() })),
    );
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of rs.filter((x) => x.status !== 201))
      expect(r.body.error.code).toBe('consumer_cap_exceeded');
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('applies concurrent repayments of one loan exactly once each', async () => {
    const { token } = await onboard(api, 'conc-repay', 2_000_000);
    const loan = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 500_000,
      term_months: 6,
      method: 'equal_installment',
    });
    const rs = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post(`/v1/loans/${loan.id}/repayments`, { amount: 1_000 }, { token, idempotencyKey: key() }),
      ),
    );
    expect(rs.every((r) => r.status === 201)).toBe(true);
    const after = (await api.get(`/v1/loans/${loan.id}`, { token })).body;
    const paid = after.installments.reduce((t: number, i: { paid_amount: number }) => t + i.paid_amount, 0);
    expect(paid).toBe(10_000);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('turns 10 simultaneous requests with one key into one loan', async () => {
    const { token, userId } = await onboard(api, 'conc-key', 2_000_000);
    const k = key();
    const body = {
      product: 'cash_loan',
      principal_amount: 100_000,
      term_months: 3,
      method: 'equal_installment',
    };
    const rs = await Promise.all(
      Array.from({ length: 10 }, () => api.post('/v1/loans', body, { token, idempotencyKey: k })),
    );
    for (const r of rs) expect([201, 409]).toContain(r.status);
    const ids = new Set(rs.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const loans = await h.database.db.select().from(schema.loans).where(eq(schema.loans.userId, userId));
    expect(loans).toHaveLength(1);
  });
});
