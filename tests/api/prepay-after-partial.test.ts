/**
 * Issue #5 gap: a prepayment after part of the same installment was paid early is accepted
 * (it used to be refused with 422 `prepayment_not_supported`). The interest and fee paid early
 * are credited, the schedule is lowered, the ledger stays balanced, and over the life of the
 * loan the borrower pays exactly principal + the interest and fees the installments charge —
 * a later payoff gives nothing back a second time (docs/repayment-rules.md).
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { divRound } from '@fenqi/shared';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, key, login, noonOn, onboard, setClock } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

type View = {
  id: string;
  status: string;
  outstanding_principal_amount: number;
  installments: Array<{
    id: string;
    number: number;
    due_date: string;
    amount: number;
    principal_amount: number;
    interest_amount: number;
    fee_amount: number;
    paid_interest_amount: number;
    paid_fee_amount: number;
    outstanding_amount: number;
  }>;
};

const sumOf = (xs: readonly number[]) => xs.reduce((t, x) => t + x, 0);
const DAY_MS = 86_400_000;

describe.each(dbKinds())('prepayment after a partial early payment on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());

  /** Net interest / fee income booked in the ledger (credit balances are negative postings). */
  async function income(code: 'interest_income' | 'fee_income'): Promise<number> {
    const r = await h.database.db.execute(sql`select coalesce(sum(p.amount_fen), 0)::text as fen
      from ledger_postings p join ledger_accounts a on a.id = p.account_id where a.code = ${code}`);
    const rows = (Array.isArray(r) ? r : (r as { rows: Array<{ fen: string }> }).rows) as Array<{
      fen: string;
    }>;
    return -Number(rows[0]?.fen ?? 0);
  }

  /** Partial early payment of installment 1 (fee + half its interest), then a ¥3,000 prepayment 5 days later. */
  async function partialThenPrepay(name: string, start: string, termMonths: number) {
    await setClock(api, noonOn(start));
    const { token } = await onboard(api, name, 3_000_000);
    const loan: View = await borrow(api, token, {
      product: 'cash_loan',
      principal_amount: 600_000,
      method: 'equal_installment',
      term_months: termMonths,
      with_service_fee: true,
    });
    const [first] = loan.installments;
    if (!first) throw new Error('no installment');
    expect(first.fee_amount).toBeGreaterThan(0);

    const d1 = new Date(noonOn(start).getTime() + 5 * DAY_MS);
    await setClock(api, d1);
    const t1 = await login(api, name);
    const earlyInterest = Math.floor(first.interest_amount / 2);
    const part = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: first.fee_amount + earlyInterest },
      { token: t1, idempotencyKey: key() },
    );
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect(part.body.outcome).toBe('partial');
    expect([part.body.fee_amount, part.body.interest_amount, part.body.principal_amount]).toEqual([
      first.fee_amount,
      earlyInterest,
      0,
    ]);

    const d2 = new Date(d1.getTime() + 5 * DAY_MS);
    await setClock(api, d2);
    const t2 = await login(api, name);
    const prepay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: 300_000 },
      { token: t2, idempotencyKey: key() },
    );
    // No longer refused: the code `prepayment_not_supported` is gone.
    expect(prepay.status, JSON.stringify(prepay.body)).toBe(201);
    expect(prepay.body.error).toBeUndefined();
    expect(JSON.stringify(prepay.body)).not.toContain('prepayment_not_supported');
    expect(prepay.body.outcome).toBe('prepayment');

    // Interest earned by day 10 of installment 1's period, half-up: interest × 10 / period days.
    const periodDays = Math.round((Date.parse(first.due_date) - Date.parse(start)) / DAY_MS);
    const earned = Number(divRound(BigInt(first.interest_amount) * 10n, BigInt(periodDays)));
    expect(earned).toBeLessThan(earlyInterest);
    // Credited: early interest beyond what was earned, plus the early fee, become principal.
    expect(prepay.body.rebate_amount).toBe(earlyInterest - earned + first.fee_amount);
    expect(prepay.body.interest_amount).toBe(0);
    expect(prepay.body.principal_amount).toBe(300_000 + earlyInterest + first.fee_amount - earned);
    const after: View = prepay.body.loan;
    expect(after.outstanding_principal_amount).toBe(600_000 - prepay.body.principal_amount);
    // Installment 1 shows the earned interest as paid and its (smaller) fee as still owed.
    const one = after.installments[0];
    expect([one?.paid_interest_amount, one?.paid_fee_amount]).toEqual([earned, 0]);
    expect(one?.fee_amount).toBeLessThan(first.fee_amount);
    // Lowered: every later installment owes less than before, same dates.
    for (const [k, i] of after.installments.entries()) {
      const was = loan.installments[k];
      expect(i.due_date).toBe(was?.due_date);
      if (k > 0) expect(i.amount).toBeLessThan(was?.amount ?? 0);
    }
    expect(await verifyInvariants(h.database)).toEqual([]);

    const [row] = await h.database.db
      .select()
      .from(schema.installments)
      .where(eq(schema.installments.id, first.id));
    expect(row?.rebatedInterestFen).toBe(BigInt(earlyInterest - earned));
    expect(row?.rebatedFeeFen).toBe(BigInt(first.fee_amount));
    expect(row?.interestSettledFen).toBe(BigInt(earned));

    return { loan, after, paid: first.fee_amount + earlyInterest + 300_000, token: t2, d2 };
  }

  it('partial early payment of installment 1, then a prepayment: 201, credited, lowered; payoff the same day gives nothing back twice', async () => {
    const interestBefore = await income('interest_income');
    const feeBefore = await income('fee_income');
    const s = await partialThenPrepay('prepay-a', '2027-01-04', 6);

    const quote = await api.get(`/v1/loans/${s.loan.id}/payoff`, { token: s.token });
    expect(quote.status).toBe(200);
    // The interest earned so far was settled by the prepayment: principal only, no rebate.
    expect([quote.body.interest_amount, quote.body.rebate_amount, quote.body.fee_amount]).toEqual([0, 0, 0]);
    expect(quote.body.amount).toBe(s.after.outstanding_principal_amount);
    const off = await api.post(
      `/v1/loans/${s.loan.id}/repayments`,
      { type: 'payoff' },
      { token: s.token, idempotencyKey: key() },
    );
    expect(off.status, JSON.stringify(off.body)).toBe(201);
    expect(off.body.rebate_amount).toBe(0);
    const final: View = off.body.loan;
    expect(final.status).toBe('paid_off');
    const interest = sumOf(final.installments.map((i) => i.interest_amount));
    const fees = sumOf(final.installments.map((i) => i.fee_amount));
    expect(fees).toBe(0);
    // Every fen: what the borrower paid = principal + interest charged (+ fees, waived here).
    expect(s.paid + off.body.amount).toBe(600_000 + interest + fees);
    expect((await income('interest_income')) - interestBefore).toBe(interest);
    expect((await income('fee_income')) - feeBefore).toBe(fees);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('partial early payment, prepayment, then every installment on its due date: pays principal + interest + fees charged', async () => {
    const interestBefore = await income('interest_income');
    const feeBefore = await income('fee_income');
    const s = await partialThenPrepay('prepay-b', '2027-03-01', 3);
    let paid = s.paid;
    let final: View = s.after;
    for (const i of s.after.installments) {
      await setClock(api, noonOn(i.due_date));
      const token = await login(api, 'prepay-b');
      const r = await api.post(
        `/v1/loans/${s.loan.id}/repayments`,
        { type: 'installment' },
        { token, idempotencyKey: key() },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.penalty_amount).toBe(0);
      paid += r.body.amount;
      final = r.body.loan;
      expect(await verifyInvariants(h.database)).toEqual([]);
    }
    expect(final.status).toBe('paid_off');
    const interest = sumOf(final.installments.map((i) => i.interest_amount));
    const fees = sumOf(final.installments.map((i) => i.fee_amount));
    expect(paid).toBe(600_000 + interest + fees);
    // Never more than the original schedule.
    expect(paid).toBeLessThan(sumOf(s.loan.installments.map((i) => i.amount)));
    expect((await income('interest_income')) - interestBefore).toBe(interest);
    expect((await income('fee_income')) - feeBefore).toBe(fees);
  });
});
