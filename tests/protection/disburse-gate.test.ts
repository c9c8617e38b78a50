/**
 * Cooling-off payouts go through the risk gate (action `disburse`): a payout the gate refuses
 * (the account was frozen during the cooling-off day) is not paid — the loan is withheld,
 * canceled at no cost with the line released to the fen — and the ledger balances; an allowed
 * payout is paid exactly once however many paths try (owner's read, cron, daily batch).
 */
import { schema, verifyInvariants } from '@fenqi/db';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payOutCoolingOffLoans } from '../../functions/src/batch/borrower-steps';
import { withTransaction } from '../../functions/src/db';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { verifyAuditChain } from '../../functions/src/security/audit';
import { type Api, borrow, onboard } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const CRON_SECRET = 'cron-secret-for-disburse-tests';
// Income ¥6,000 and a ¥3,700 loan: over 60 % of income → 24 h cooling-off.
const INCOME_FEN = 600_000;
const BODY = {
  product: 'cash_loan',
  principal_amount: 370_000,
  term_months: 12,
  method: 'equal_installment',
};

describe.each(dbKinds())('cooling-off payout through the risk gate on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind, { config: { cronSecret: CRON_SECRET } });
    api = client(h.baseUrl);
  });
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  async function ledgerKinds(loanId: string): Promise<string[]> {
    const rows = await h.database.db
      .select({ kind: schema.ledgerTransactions.kind })
      .from(schema.ledgerTransactions)
      .where(and(eq(schema.ledgerTransactions.refType, 'loan'), eq(schema.ledgerTransactions.refId, loanId)));
    return rows.map((r) => r.kind).sort();
  }

  async function freeze(userId: string) {
    await h.database.db.update(schema.users).set({ status: 'frozen' }).where(eq(schema.users.id, userId));
  }

  /** Moves the service clock past the loan's window (the test clock also runs the batch). */
  async function pastWindow(loan: { cooling_off_until: string }) {
    const now = new Date(Date.parse(loan.cooling_off_until) + 60_000);
    const clock = await api.post('/v1/test/clock', { now: now.toISOString() });
    if (clock.status === 422 && clock.body.error?.code === 'clock_cannot_go_back') return now; // already later
    expect(clock.status).toBe(200);
    return now;
  }

  async function cron() {
    const r = await api.get('/v1/cron/daily', { headers: { authorization: `Bearer ${CRON_SECRET}` } });
    expect(r.status).toBe(200);
    return r.body;
  }

  async function expectWithheld(loanId: string, userId: string, token: string, usedBefore: number) {
    const view = (await api.get(`/v1/loans/${loanId}`, { token })).body;
    expect(view.status).toBe('canceled');
    expect(view.disbursed_at ?? null).toBeNull();
    expect(view.disbursement_target.withheld).toMatchObject({ decision: 'freeze', rule: 'account_frozen' });
    expect(typeof view.disbursement_target.withheld.reason).toBe('string');
    // Not paid; the booking reversed exactly like a cooling-off cancel.
    expect(await ledgerKinds(loanId)).toEqual(['loan_booking', 'loan_cancel']);
    const line = (await api.get('/v1/credit/line', { token })).body;
    expect(line.used_amount).toBe(usedBefore);
    const audit = await h.database.db
      .select({ action: schema.auditLog.action, details: schema.auditLog.details })
      .from(schema.auditLog)
      .where(
        and(eq(schema.auditLog.subjectId, loanId), eq(schema.auditLog.action, 'loan.disbursement_withheld')),
      );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ decision: 'freeze', rule: 'account_frozen' });
    const events = await h.database.db
      .select({ details: schema.riskEvents.details })
      .from(schema.riskEvents)
      .where(eq(schema.riskEvents.userId, userId));
    const disburse = events.filter((e) => (e.details as { action?: string }).action === 'disburse');
    expect(disburse.length).toBeGreaterThanOrEqual(1);
    expect(disburse.every((e) => (e.details as { decision?: string }).decision === 'freeze')).toBe(true);
  }

  it('account frozen during the cooling-off day → not paid, loan withheld, line released, ledger balanced', async () => {
    const { token, userId } = await onboard(api, 'disburse-frozen', INCOME_FEN);
    const usedBefore = (await api.get('/v1/credit/line', { token })).body.used_amount as number;
    const loan = await borrow(api, token, BODY);
    expect(loan.status).toBe('cooling_off');
    expect((await api.get('/v1/credit/line', { token })).body.used_amount).toBe(usedBefore + 370_000);
    await freeze(userId);

    await pastWindow(loan);
    // Whichever path comes first (the batch the clock ran, or this read) the gate refuses.
    await expectWithheld(loan.id, userId, token, usedBefore);
    // Later paths find nothing to pay.
    const after = await cron();
    expect(after.cooling_off_paid_out).toBe(0);
    await expectWithheld(loan.id, userId, token, usedBefore);
    expect(await verifyInvariants(h.database)).toEqual([]);
    await settleRiskWrites();
    expect((await verifyAuditChain(h.database.db)).ok).toBe(true);
  });

  it('in the batch, a withheld payout does not undo the others: the allowed loan is paid, the frozen one withheld', async () => {
    const ok = await onboard(api, 'disburse-batch-ok', INCOME_FEN);
    const bad = await onboard(api, 'disburse-batch-frozen', INCOME_FEN);
    const badUsed = (await api.get('/v1/credit/line', { token: bad.token })).body.used_amount as number;
    const okLoan = await borrow(api, ok.token, BODY);
    const badLoan = await borrow(api, bad.token, BODY);
    await freeze(bad.userId);
    // The batch step itself, at an instant past both windows (no read path involved).
    const at = new Date(
      Math.max(Date.parse(okLoan.cooling_off_until), Date.parse(badLoan.cooling_off_until)) + 1,
    );
    const counts = await withTransaction(h.database, (tx) =>
      payOutCoolingOffLoans(tx, at, { database: h.database, config: h.config, requestId: 'batch:test' }),
    );
    expect(counts).toEqual({ paid: 1, withheld: 1 });
    const rows = await h.database.db
      .select({ id: schema.loans.id, status: schema.loans.status, disbursedAt: schema.loans.disbursedAt })
      .from(schema.loans)
      .where(inArray(schema.loans.id, [okLoan.id, badLoan.id]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(okLoan.id)?.status).toBe('active');
    expect(byId.get(okLoan.id)?.disbursedAt).not.toBeNull();
    expect(byId.get(badLoan.id)?.status).toBe('canceled');
    expect(await ledgerKinds(okLoan.id)).toEqual(['disbursement', 'loan_booking']);
    await pastWindow(badLoan);
    await expectWithheld(badLoan.id, bad.userId, bad.token, badUsed);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('an allowed payout is paid exactly once: read path, then cron and batch again', async () => {
    const { token } = await onboard(api, 'disburse-once', INCOME_FEN);
    const loan = await borrow(api, token, BODY);
    expect(loan.status).toBe('cooling_off');
    const now = await pastWindow(loan);
    const [first, second] = await Promise.all([
      api.get(`/v1/loans/${loan.id}`, { token }),
      api.get(`/v1/loans/${loan.id}`, { token }),
    ]);
    for (const r of [first, second]) {
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('active');
    }
    expect(first.body.disbursed_at).toBe(second.body.disbursed_at);
    await cron();
    const again = await withTransaction(h.database, (tx) =>
      payOutCoolingOffLoans(tx, new Date(now.getTime() + 3_600_000), {
        database: h.database,
        config: h.config,
        requestId: 'batch:again',
      }),
    );
    expect(again.paid).toBe(0);
    expect(await ledgerKinds(loan.id)).toEqual(['disbursement', 'loan_booking']);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });

  it('an allowed payout is paid exactly once: batch first, then the read path', async () => {
    const { token } = await onboard(api, 'disburse-once-batch', INCOME_FEN);
    const loan = await borrow(api, token, BODY);
    const at = new Date(Date.parse(loan.cooling_off_until) + 1);
    const deps = { database: h.database, config: h.config, requestId: 'batch:first' };
    const counts = await withTransaction(h.database, (tx) => payOutCoolingOffLoans(tx, at, deps));
    expect(counts.paid).toBeGreaterThanOrEqual(1);
    expect(counts.withheld).toBe(0);
    await pastWindow(loan);
    const view = (await api.get(`/v1/loans/${loan.id}`, { token })).body;
    expect(view.status).toBe('active');
    const rerun = await withTransaction(h.database, (tx) => payOutCoolingOffLoans(tx, at, deps));
    expect(rerun).toEqual({ paid: 0, withheld: 0 });
    expect(await ledgerKinds(loan.id)).toEqual(['disbursement', 'loan_booking']);
    expect(await verifyInvariants(h.database)).toEqual([]);
  });
});
