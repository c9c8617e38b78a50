/**
 * Contract evidence, the audit chain and the vault through the HTTP API: a loan's contract
 * is signed in the borrow and sealed into the chain after commit; the verify endpoint and
 * command find the altered record; real identity values come out only after four approvals
 * by four other people.
 */
import { schema } from '@fenqi/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { isValidIdCardNumber, isVirtualIdCardNumber } from '../../functions/src/risk/shared';
import { type Api, borrow, onboard } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const staff = (n: number) => ({ authorization: `Bearer dev-staff-ops_${n}` });

describe.each(dbKinds())('evidence and vault on %s', (kind) => {
  let h: Harness;
  let api: Api;
  let user: { token: string; userId: string };
  let loanId: string;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
    user = await onboard(api, 'evidence-a');
    loanId = (
      await borrow(api, user.token, {
        product: 'cash_loan',
        principal_amount: 123_456,
        term_months: 6,
        method: 'equal_installment',
      })
    ).id;
    await borrow(api, user.token, {
      product: 'cash_loan',
      principal_amount: 50_000,
      term_months: 3,
      method: 'equal_installment',
    });
    await settleRiskWrites();
  });
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  /** The contracts once `n` are sealed, polling up to 5 s (the trigger gives up after ≈ 2.5 s). */
  async function waitForSealed(n: number) {
    const deadlineMs = Date.now() + 5_000;
    for (;;) {
      const rows = await h.database.db.select().from(schema.contracts).orderBy(schema.contracts.seq);
      if (rows.filter((r) => r.seq !== null).length >= n || Date.now() > deadlineMs) return rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function tamper(stmt: ReturnType<typeof sql>) {
    await h.database.db.execute(sql`alter table contracts disable trigger user`);
    try {
      await h.database.db.execute(stmt);
    } finally {
      await h.database.db.execute(sql`alter table contracts enable trigger user`);
    }
  }

  it('each loan gets a signed contract with all terms and the disclosure, sealed after commit in order', async () => {
    // no cron here: the after-commit trigger seals them (bounded wait)
    const rows = await waitForSealed(2);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows.every((r) => r.sealedAt !== null)).toBe(true);
    const c = rows.find((r) => r.loanId === loanId);
    const text = String((c?.document as { text: string }).text);
    expect(text).toContain('¥1,234.56');
    expect(text).toContain('licence L0000H000000001');
    expect(text).toContain('no penalty');
    expect(c?.signature).toMatch(/^[0-9a-f]{64}$/);
    // the contract names the borrower by the virtual ID number only
    const vid = (c?.document as { virtual_id_number: string }).virtual_id_number;
    expect(isVirtualIdCardNumber(vid)).toBe(true);
  });

  it('the verify endpoint needs a staff token', async () => {
    expect((await api.get('/v1/admin/evidence/verify')).status).toBe(401);
    expect(
      (await api.get('/v1/admin/evidence/verify', { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    expect((await api.get('/v1/admin/evidence/verify', { token: user.token })).status).toBe(401);
  });

  it('verifies a clean chain, then names the contract whose text lost one byte', async () => {
    await waitForSealed(2);
    const clean = await api.get('/v1/admin/evidence/verify', { headers: staff(1) });
    expect(clean.status).toBe(200);
    expect(clean.body.ok).toBe(true);
    expect(clean.body.chains[0]).toMatchObject({ records: 2, pending: 0 });
    expect(clean.body.chains.map((c: { chain: string; records: number }) => c.chain)).toEqual([
      'contracts',
      'audit_log',
    ]);
    // at least the digital-mask record of each of the two borrowers (signing lives in the contract chain)
    expect(clean.body.chains[1].records).toBeGreaterThanOrEqual(2);

    const [c] = await h.database.db
      .select()
      .from(schema.contracts)
      .where(eq(schema.contracts.loanId, loanId));
    await tamper(
      sql`update contracts set document = jsonb_set(document, '{text}', to_jsonb(overlay(document->>'text' placing '9' from 40 for 1))) where loan_id = ${loanId}`,
    );
    const bad = await api.get('/v1/admin/evidence/verify', { headers: staff(1) });
    expect(bad.body.ok).toBe(false);
    expect(bad.body.chains[0].problems).toEqual([
      expect.objectContaining({ seq: c?.seq, id: c?.id, problem: 'document_altered' }),
    ]);
    await tamper(
      sql`update contracts set document = ${JSON.stringify(c?.document)}::jsonb where loan_id = ${loanId}`,
    );
    expect((await api.get('/v1/admin/evidence/verify', { headers: staff(1) })).body.ok).toBe(true);
  });

  it('the vault returns real values only after four approvals by four other people, once', async () => {
    const [v] = await h.database.db
      .select()
      .from(schema.identityVault)
      .where(eq(schema.identityVault.userId, user.userId));
    expect(v).toBeDefined();
    const req = await api.post(
      '/v1/admin/vault/requests',
      { user_id: user.userId, purpose: 'court order 2026-07', fields: ['idCardNumber', 'name'] },
      { headers: staff(1) },
    );
    expect(req.status).toBe(201);
    const id = req.body.id as string;
    const read = () => api.post(`/v1/admin/vault/requests/${id}/read`, undefined, { headers: staff(1) });
    expect(
      (
        await api.post(
          `/v1/admin/vault/requests/${id}/approvals`,
          { decision: 'approved' },
          { headers: staff(1) },
        )
      ).body.error.code,
    ).toBe('vault_self_approval');
    for (const n of [2, 3, 4, 5]) {
      const r = await read();
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('vault_not_approved');
      const a = await api.post(
        `/v1/admin/vault/requests/${id}/approvals`,
        { decision: 'approved' },
        { headers: staff(n) },
      );
      expect(a.body).toMatchObject({ level: n - 1 });
      if (n === 2)
        expect(
          (
            await api.post(
              `/v1/admin/vault/requests/${id}/approvals`,
              { decision: 'approved' },
              { headers: staff(2) },
            )
          ).body.error.code,
        ).toBe('vault_duplicate_approver');
    }
    const ok = await read();
    expect(ok.status).toBe(200);
    expect(isValidIdCardNumber(ok.body.fields.idCardNumber)).toBe(true);
    expect(isVirtualIdCardNumber(ok.body.fields.idCardNumber)).toBe(false);
    expect(ok.body.fields.idCardNumber).not.toBe(v?.virtualIdNumber);
    expect((await read()).body.error.code).toBe('vault_request_used');
    const audit = await h.database.db
      .select({ action: schema.auditLog.action, details: schema.auditLog.details })
      .from(schema.auditLog);
    expect(audit.filter((a) => a.action === 'vault.read')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'vault.read_refused').length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(audit)).not.toContain(ok.body.fields.idCardNumber);
  });

  it('explains the credit decision: GET /v1/credit/decisions lists the application with readable reasons', async () => {
    const r = await api.get('/v1/credit/decisions', { token: user.token });
    expect(r.status).toBe(200);
    const app = r.body.data.find((d: { kind: string }) => d.kind === 'application');
    expect(app.credit_score).toBeGreaterThanOrEqual(350);
    const codes = app.reasons.map((x: { code: string }) => x.code);
    expect(codes).toContain('indicator_payment_flow');
    expect(codes).toContain('indicator_social_activity_not_used'); // not authorised → not used
    expect(app.reasons[0].text_zh.length).toBeGreaterThan(0);
  });
});
