/**
 * A full life per loan type, driven by the test clock, on PGlite and (when configured) a real
 * PostgreSQL through the Neon driver: borrow, pay on time, pay late with penalty, grace, pay
 * off early, cooling-off cancel and payout. The ledger and the line are checked as we go.
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, key, login, noonOn, onboard, setClock } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

const DAY_MS = 86_400_000;

describe.each(dbKinds())('borrower life on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());

  async function invariantsHold() {
    expect(await verifyInvariants(h.database)).toEqual([]);
  }

  it('cash loan, equal installments: on time, late with penalty, then payoff; line restored T+1', async () => {
    const { token: t0 } = await onboard(api, 'life-cash', 2_000_000);
    const lineBefore = (await api.get('/v1/credit/line', { token: t0 })).body;
    const quote = await api.post(
      '/v1/quotes',
      { product: 'cash_loan', principal_amount: 300_000, term_months: 3, method: 'equal_installment' },
      { token: t0 },
    );
    expect(quote.status).toBe(200);
    expect(quote.body.installments).toHaveLength(3);
    const loan = await borrow(api, t0, { quote_id: quote.body.id });
    expect(loan.status).toBe('active');
    expect(loan.disbursed_at).not.toBeNull();
    expect(loan.total_amount).toBe(quote.body.total_amount);
    const line1 = (await api.get('/v1/credit/line', { token: t0 })).body;
    expect(line1.available_amount).toBe(lineBefore.available_amount - 300_000);

    // Pay the first installment on its due date.
    await setClock(api, noonOn(loan.installments[0].due_date));
    let token = await login(api, 'life-cash');
    const first = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token, idempotencyKey: key() },
    );
    expect(first.status).toBe(201);
    expect(first.body.amount).toBe(loan.installments[0].amount);
    expect(first.body.penalty_amount).toBe(0);
    // The repaid principal is not available the same day, but is on T+1.
    const sameDay = (await api.get('/v1/credit/line', { token })).body;
    expect(sameDay.available_amount).toBe(line1.available_amount);
    await setClock(api, new Date(noonOn(loan.installments[0].due_date).getTime() + DAY_MS));
    token = await login(api, 'life-cash');
    const nextDay = (await api.get('/v1/credit/line', { token })).body;
    expect(nextDay.available_amount).toBe(line1.available_amount + loan.installments[0].principal_amount);

    // Miss the second due date by 5 days: overdue, penalty 0.05 %/day on the overdue principal.
    await setClock(api, new Date(noonOn(loan.installments[1].due_date).getTime() + 5 * DAY_MS));
    token = await login(api, 'life-cash');
    const late = (await api.get(`/v1/loans/${loan.id}`, { token })).body;
    expect(late.status).toBe('overdue');
    const second = late.installments[1];
    expect(second.status).toBe('overdue');
    // 5 days × round(principal × 0.0005)
    expect(second.penalty_amount).toBe(5 * Math.round(second.principal_amount * 0.0005));
    const lateRepay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token, idempotencyKey: key() },
    );
    expect(lateRepay.status).toBe(201);
    expect(lateRepay.body.penalty_amount).toBe(second.penalty_amount);
    expect(lateRepay.body.loan.status).toBe('active');

    // Pay off early, ten days before the last due date: interest only to today, no fee.
    await setClock(api, new Date(noonOn(loan.installments[2].due_date).getTime() - 10 * DAY_MS));
    token = await login(api, 'life-cash');
    const payoff = (await api.get(`/v1/loans/${loan.id}/payoff`, { token })).body;
    expect(payoff.principal_amount).toBe(loan.installments[2].principal_amount);
    expect(payoff.interest_amount).toBeLessThan(loan.installments[2].interest_amount);
    expect(payoff.penalty_amount).toBe(0);
    expect(payoff.early_repayment_fee_amount).toBe(0);
    const paid = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'payoff' },
      { token, idempotencyKey: key() },
    );
    expect(paid.status).toBe(201);
    expect(paid.body.amount).toBe(payoff.amount);
    expect(paid.body.loan.status).toBe('paid_off');
    expect(paid.body.loan.outstanding_amount).toBe(0);
    await invariantsHold();
  });

  it('grace: no overdue status and no penalty inside it; ordinary interest keeps running', async () => {
    const { token: t0 } = await onboard(api, 'life-grace', 2_000_000);
    const loan = await borrow(api, t0, {
      product: 'cash_loan',
      principal_amount: 200_000,
      term_months: 2,
      method: 'equal_installment',
    });
    await setClock(api, noonOn(loan.installments[0].due_date));
    let token = await login(api, 'life-grace');
    const g = await api.post(`/v1/loans/${loan.id}/grace`, { days: 3 }, { token });
    expect(g.status).toBe(201);
    // Three reminders were planned for the first period (3 days before, 1 day before, due day).
    const firstId = loan.installments[0].id as string;
    const reminders = await h.database.db
      .select()
      .from(schema.collectionContacts)
      .where(
        and(
          eq(schema.collectionContacts.installmentId, firstId),
          eq(schema.collectionContacts.kind, 'reminder'),
        ),
      );
    expect(reminders).toHaveLength(3);
    expect(g.body.installment_number).toBe(1);
    await setClock(api, new Date(noonOn(loan.installments[0].due_date).getTime() + 2 * DAY_MS));
    token = await login(api, 'life-grace');
    const during = (await api.get(`/v1/loans/${loan.id}`, { token })).body;
    expect(during.status).toBe('active');
    expect(during.installments[0].status).toBe('grace');
    expect(during.installments[0].penalty_amount).toBe(0);
    expect(during.installments[0].interest_amount).toBeGreaterThan(loan.installments[0].interest_amount);
    const again = await api.post(`/v1/loans/${loan.id}/grace`, { days: 1 }, { token });
    expect(again.status).toBe(422);
    const pay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token, idempotencyKey: key() },
    );
    expect(pay.status).toBe(201);
    expect(pay.body.penalty_amount).toBe(0);
    await invariantsHold();
  });

  it('cooling-off: cancel inside 24 h at no cost; otherwise paid out after 24 h', async () => {
    // Income ¥6,000 and a ¥3,700 loan: over 60 % of income → 24 h cooling-off.
    const { token } = await onboard(api, 'life-cool', 600_000);
    const lineBefore = (await api.get('/v1/credit/line', { token })).body;
    const loan = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 370_000,
      term_months: 12,
      method: 'equal_installment',
    });
    expect(loan.status).toBe('cooling_off');
    expect(loan.disbursed_at).toBeNull();
    const repayEarly = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'payoff' },
      { token, idempotencyKey: key() },
    );
    expect(repayEarly.body.error?.code).toBe('cooling_off_active');
    const canceled = await api.post(`/v1/loans/${loan.id}/cancel`, {}, { idempotencyKey: key(), token });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    const lineAfter = (await api.get('/v1/credit/line', { token })).body;
    expect(lineAfter.available_amount).toBe(lineBefore.available_amount);

    const second = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 370_000,
      term_months: 12,
      method: 'equal_installment',
    });
    expect(second.status).toBe('cooling_off');
    const now = new Date(Date.parse(second.cooling_off_until) + 60_000);
    await setClock(api, now);
    const t2 = await login(api, 'life-cool');
    const after = (await api.get(`/v1/loans/${second.id}`, { token: t2 })).body;
    expect(after.status).toBe('active');
    expect(after.disbursed_at).not.toBeNull();
    const late = await api.post(`/v1/loans/${second.id}/cancel`, {}, { idempotencyKey: key(), token: t2 });
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('loan_not_cancelable');
    await invariantsHold();
  });

  it('other products: education (interest-free, 12 periods), emergency (30 days), business, day loan', async () => {
    const { token } = await onboard(api, 'premium-life-other', 10_000_000);
    const edu = await borrow(api, token, {
      product: 'education_installment',
      principal_amount: 1_200_000,
      term_months: 12,
      method: 'equal_installment',
    });
    expect(edu.installments).toHaveLength(12);
    expect(edu.total_interest_amount).toBe(0);
    expect(edu.apr).toBe('0');
    const emergency = await borrow(api, token, {
      product: 'emergency_loan',
      principal_amount: 300_000,
      term_days: 30,
      method: 'single_payment',
    });
    expect(emergency.total_interest_amount).toBe(0);
    const biz = await borrow(api, token, {
      product: 'business_turnover',
      principal_amount: 5_000_000,
      term_months: 6,
      method: 'equal_principal',
    });
    expect(biz.installments).toHaveLength(6);
    const day = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 100_000,
      term_days: 14,
      method: 'single_payment',
    });
    expect(day.installments).toHaveLength(1);

    const edu1 = await api.post(
      `/v1/loans/${edu.id}/repayments`,
      { type: 'installment' },
      { token, idempotencyKey: key() },
    );
    expect(edu1.status).toBe(201);
    expect(edu1.body.interest_amount).toBe(0);
    const partial = await api.post(
      `/v1/loans/${biz.id}/repayments`,
      { amount: 1_000_000 },
      { token, idempotencyKey: key() },
    );
    expect(partial.status).toBe(201);
    for (const l of [emergency, day, biz, edu]) {
      const r = await api.post(
        `/v1/loans/${l.id}/repayments`,
        { type: 'payoff' },
        { token, idempotencyKey: key() },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.loan.status).toBe('paid_off');
    }
    const list = await api.get('/v1/loans?limit=2', { token });
    expect(list.body.data).toHaveLength(2);
    expect(list.body.has_more).toBe(true);
    const next = await api.get(`/v1/loans?limit=10&starting_after=${list.body.data[1].id}`, { token });
    expect(next.body.data).toHaveLength(2);
    expect(next.body.has_more).toBe(false);
    await invariantsHold();
  });

  it('paying the next bill early then paying off returns the unearned interest as a rebate', async () => {
    const { token } = await onboard(api, 'life-rebate', 2_000_000);
    const loan = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 300_000,
      term_months: 3,
      method: 'equal_installment',
    });
    const early = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token, idempotencyKey: key() },
    );
    expect(early.status).toBe(201);
    expect(early.body.interest_amount).toBe(loan.installments[0].interest_amount);
    // Same day: no interest has been earned yet, so all of it comes back.
    const quote = (await api.get(`/v1/loans/${loan.id}/payoff`, { token })).body;
    expect(quote.rebate_amount).toBe(loan.installments[0].interest_amount);
    expect(quote.interest_amount).toBe(0);
    const paid = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'payoff' },
      { token, idempotencyKey: key() },
    );
    expect(paid.status).toBe(201);
    expect(paid.body.amount).toBe(quote.amount);
    expect(paid.body.loan.status).toBe('paid_off');
    // What the person paid in all: exactly the principal.
    expect(early.body.amount + paid.body.amount).toBe(300_000);
    await invariantsHold();
  });

  it('daily-interest loan (随借随还) paid off after 10 days, and a temporary increase expiring after 30 days', async () => {
    const { token } = await onboard(api, 'life-daily', 2_000_000);
    const tmp = await api.post(
      '/v1/credit/temporary-increases',
      { amount: 500_000, event: 'singles_day', proof: { type: 'payslip', reference: 'doc_7' } },
      { token },
    );
    expect(tmp.status).toBe(201);
    const loan = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 200_000,
      term_months: 3,
      method: 'daily',
    });
    const start = Date.parse(loan.created_at);
    await setClock(api, new Date(Math.max(start, Date.now()) + 10 * DAY_MS));
    let t = await login(api, 'life-daily');
    const q = (await api.get(`/v1/loans/${loan.id}/payoff`, { token: t })).body;
    expect(q.principal_amount).toBe(200_000);
    expect(q.interest_amount).toBeGreaterThan(0);
    expect(q.interest_amount).toBeLessThan(loan.installments[0].interest_amount + 1);
    const paid = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'payoff' },
      { token: t, idempotencyKey: key() },
    );
    expect(paid.body.loan.status).toBe('paid_off');
    const before = (await api.get('/v1/credit/line', { token: t })).body;
    expect(before.temporary_limit_amount).toBe(500_000);
    await setClock(api, new Date(Date.parse(tmp.body.expires_at) + DAY_MS));
    t = await login(api, 'life-daily');
    const after = (await api.get('/v1/credit/line', { token: t })).body;
    expect(after.temporary_limit_amount).toBe(0);
    expect(after.temporary_expires_at).toBeNull();
    await invariantsHold();
  });
});
