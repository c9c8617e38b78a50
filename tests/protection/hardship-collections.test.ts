/**
 * Overdue loan end to end: the daily batch plans collection contacts inside the allowed hours
 * and under the daily cap; the borrower accepts a hardship extension in the app; the schedule
 * and the ledger stay consistent (invariant checker) and the loan keeps working.
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { isQuietHour, shanghaiDateOf } from '../../functions/src/risk/shared';
import { type Api, borrow, key, login, noonOn, onboard, setClock } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

describe.each(dbKinds())('hardship and collections on %s', (kind) => {
  let h: Harness;
  let api: Api;
  let user: { token: string; userId: string };
  let loan: { id: string; installments: Array<{ due_date: string }> };
  let other: { id: string };
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
    user = await onboard(api, 'hardship-a');
    await api.put('/v1/authorizations/repayment_reminders_sms', { granted: true }, { token: user.token });
    loan = await borrow(api, user.token, {
      product: 'cash_loan',
      principal_amount: 300_000,
      term_months: 3,
      method: 'equal_installment',
    });
    other = await borrow(api, user.token, {
      product: 'cash_loan',
      principal_amount: 60_000,
      term_months: 6,
      method: 'equal_installment',
    });
    await settleRiskWrites();
    const due = loan.installments[0]?.due_date as string;
    // Eight days after the first due date: both loans' first installments are overdue.
    const later = new Date(noonOn(due).getTime() + 8 * 86_400_000);
    await setClock(api, later);
    user.token = await login(api, 'hardship-a'); // sessions last 7 days
  }, 300_000);
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  it('collection contacts: only the borrower, never in quiet hours, at most 3 per channel per day', async () => {
    const contacts = await h.database.db
      .select()
      .from(schema.collectionContacts)
      .where(eq(schema.collectionContacts.userId, user.userId));
    const collection = contacts.filter((c) => c.kind !== 'reminder');
    expect(collection.length).toBeGreaterThan(0);
    const perDay = new Map<string, number>();
    for (const c of contacts) {
      expect(isQuietHour(c.scheduledAt.getTime())).toBe(false);
      expect(c.contactDate).toBe(shanghaiDateOf(c.scheduledAt.getTime()));
      const k = `${c.channel}|${c.contactDate}`;
      perDay.set(k, (perDay.get(k) ?? 0) + 1);
    }
    for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(3);
    expect(collection.some((c) => c.kind === 'hardship_offer')).toBe(true);
    expect(new Set(collection.map((c) => c.channel))).toEqual(new Set(['wechat', 'sms']));
  });

  it('offers an extension with the penalty waived, and applies it exactly once; invariants hold', async () => {
    const before = await api.get(`/v1/loans/${loan.id}`, { token: user.token });
    expect(before.body.status).toBe('overdue');
    const penalty = before.body.installments.reduce(
      (s: number, i: { penalty_amount: number }) => s + i.penalty_amount,
      0,
    );
    expect(penalty).toBeGreaterThan(0);
    const owed = before.body.installments.reduce(
      (s: number, i: { principal_amount: number; paid_principal_amount: number }) =>
        s + i.principal_amount - i.paid_principal_amount,
      0,
    );

    const offer = await api.get(`/v1/loans/${loan.id}/extension-offer`, { token: user.token });
    expect(offer.status).toBe(200);
    expect(offer.body.eligible).toBe(true);
    expect(offer.body.options.map((o: { months: number }) => o.months)).toEqual([3, 6, 12]);
    const six = offer.body.options[1];
    expect(six.waived_penalty_amount).toBe(penalty);
    expect(six.principal_amount).toBe(owed);

    const k = key();
    const r = await api.post(
      `/v1/loans/${loan.id}/extension`,
      { months: 6 },
      { token: user.token, idempotencyKey: k },
    );
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('active');
    const live = r.body.installments.filter((i: { status: string }) => i.status !== 'canceled');
    expect(live.filter((i: { status: string }) => i.status === 'pending')).toHaveLength(6);
    expect(
      r.body.installments.reduce((s: number, i: { penalty_amount: number }) => s + i.penalty_amount, 0),
    ).toBe(0);
    expect(
      r.body.installments.reduce((s: number, i: { principal_amount: number }) => s + i.principal_amount, 0),
    ).toBe(300_000);
    expect(
      r.body.installments.reduce(
        (s: number, i: { principal_amount: number; paid_principal_amount: number }) =>
          s + i.principal_amount - i.paid_principal_amount,
        0,
      ),
    ).toBe(owed);

    const replay = await api.post(
      `/v1/loans/${loan.id}/extension`,
      { months: 6 },
      { token: user.token, idempotencyKey: k },
    );
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const second = await api.post(
      `/v1/loans/${loan.id}/extension`,
      { months: 3 },
      { token: user.token, idempotencyKey: key() },
    );
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('extension_already_used');

    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('after the extension the loan works: pay the next installment; invariants still hold', async () => {
    const pay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token: user.token, idempotencyKey: key() },
    );
    expect(pay.status).toBeLessThan(300);
    expect(await verifyInvariants(h.database)).toEqual([]);
    const offer = await api.get(`/v1/loans/${loan.id}/extension-offer`, { token: user.token });
    expect(offer.body).toMatchObject({ eligible: false, reason_code: 'extension_already_used' });
  });

  it('a loan that is not overdue is offered nothing; a bad months value is a 400 on months', async () => {
    await api.post(
      `/v1/loans/${other.id}/repayments`,
      { type: 'installment' },
      { token: user.token, idempotencyKey: key() },
    );
    const offer = await api.get(`/v1/loans/${other.id}/extension-offer`, { token: user.token });
    expect(offer.body).toMatchObject({ eligible: false, reason_code: 'extension_not_available' });
    const bad = await api.post(
      `/v1/loans/${other.id}/extension`,
      { months: 5 },
      { token: user.token, idempotencyKey: key() },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('months');
  });
});
