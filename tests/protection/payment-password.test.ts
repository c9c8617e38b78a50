/**
 * Payment password (交易密码) through the HTTP API: set and change it; borrowing then requires
 * it; 2 wrong then right stays at one factor; 3 wrong in a row switch the account to two-factor
 * step-up, after which the same idempotent request runs exactly once; a wrong password leaves
 * no loan and no ledger change; the digits never reach the idempotency record or the logs.
 */
import { schema } from '@fenqi/db';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../functions/src/app';
import { requestHash } from '../../functions/src/http/idempotency';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { type Api, key, onboard, setClock } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const BODY = { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' };
const PASSWORD = '739152';
const OTHER = '284061';
const WRONG = ['111112', '202020', '987650', '314159'];

describe.each(dbKinds())('payment password on %s', (kind) => {
  let h: Harness;
  let api: Api;
  const logged: RequestLogEntry[] = [];
  let offsetMs = 0;
  /** Moves the service clock forward (out of the 60-second attempt-velocity window). */
  async function advance(ms: number) {
    offsetMs += ms;
    await setClock(api, new Date(Date.now() + offsetMs));
  }
  beforeAll(async () => {
    h = await startHarness(kind, { deps: { log: (e) => logged.push(e) } });
    api = client(h.baseUrl);
  });
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  const borrow = (token: string, password: string | undefined, idempotencyKey = key()) =>
    api.post('/v1/loans', password === undefined ? BODY : { ...BODY, payment_password: password }, {
      token,
      idempotencyKey,
    });

  const setPassword = (token: string, body: Record<string, unknown>) =>
    api.put('/v1/me/payment-password', body, { token });

  async function loansOf(userId: string) {
    return h.database.db
      .select({ id: schema.loans.id })
      .from(schema.loans)
      .where(eq(schema.loans.userId, userId));
  }

  async function ledgerCounts() {
    const [tx] = await h.database.db.select({ n: count() }).from(schema.ledgerTransactions);
    const [po] = await h.database.db.select({ n: count() }).from(schema.ledgerPostings);
    return { transactions: tx?.n ?? 0, postings: po?.n ?? 0 };
  }

  async function userRow(userId: string) {
    const [u] = await h.database.db.select().from(schema.users).where(eq(schema.users.id, userId));
    return u;
  }

  async function onboardWithPassword(name: string) {
    const who = await onboard(api, name);
    const set = await setPassword(who.token, { password: PASSWORD });
    expect(set.status).toBe(200);
    return who;
  }

  it('set: six digits, stored only as a salted scrypt hash; changing needs the current one; GET /v1/me shows it', async () => {
    const { token, userId } = await onboard(api, 'pw-set');
    expect((await api.get('/v1/me', { token })).body.payment_password_set).toBe(false);
    // No password set → borrowing works as before, without the field.
    expect((await borrow(token, undefined)).status).toBe(201);

    const bad = await setPassword(token, { password: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('password');
    const simple = await setPassword(token, { password: '123456' });
    expect(simple.status).toBe(422);
    expect(simple.body.error).toMatchObject({ code: 'payment_password_too_simple', param: 'password' });

    const set = await setPassword(token, { password: PASSWORD });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ object: 'payment_password', set: true });
    expect((await api.get('/v1/me', { token })).body.payment_password_set).toBe(true);
    const stored = (await userRow(userId))?.paymentPasswordHash ?? '';
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain(PASSWORD);

    const noCurrent = await setPassword(token, { password: OTHER });
    expect(noCurrent.status).toBe(422);
    expect(noCurrent.body.error).toMatchObject({
      code: 'payment_password_required',
      param: 'current_password',
    });
    const wrongCurrent = await setPassword(token, { password: OTHER, current_password: WRONG[0] });
    expect(wrongCurrent.status).toBe(422);
    expect(wrongCurrent.body.error).toMatchObject({
      code: 'payment_password_incorrect',
      param: 'current_password',
      attempts_remaining: 2,
    });
    expect((await userRow(userId))?.failedPasswordCount).toBe(1);
    const changed = await setPassword(token, { password: OTHER, current_password: PASSWORD });
    expect(changed.status).toBe(200);
    const after = await userRow(userId);
    expect(after?.failedPasswordCount).toBe(0);
    expect(after?.paymentPasswordHash).not.toBe(stored);
    // The old password no longer works, the new one does.
    expect((await borrow(token, PASSWORD)).body.error?.code).toBe('payment_password_incorrect');
    expect((await borrow(token, OTHER)).status).toBe(201);
  });

  it('a set password is required: missing → 422 payment_password_required, nothing recorded', async () => {
    const { token, userId } = await onboardWithPassword('pw-missing');
    const missing = await borrow(token, undefined);
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({
      code: 'payment_password_required',
      param: 'payment_password',
    });
    const malformed = await borrow(token, '12ab56');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.param).toBe('payment_password');
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(0);
    expect((await userRow(userId))?.failedPasswordCount).toBe(0);
  });

  it('2 wrong then right → the loan, no step-up, the count back to 0', async () => {
    const { token, userId } = await onboardWithPassword('pw-two');
    for (const [i, w] of WRONG.slice(0, 2).entries()) {
      const r = await borrow(token, w);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({
        code: 'payment_password_incorrect',
        param: 'payment_password',
        attempts_remaining: 2 - i,
      });
      await settleRiskWrites();
    }
    expect((await userRow(userId))?.failedPasswordCount).toBe(2);
    const ok = await borrow(token, PASSWORD);
    expect(ok.status).toBe(201);
    await settleRiskWrites();
    const u = await userRow(userId);
    expect(u).toMatchObject({ failedPasswordCount: 0, mfaRequired: false });
    // The run starts again: one more wrong is the first of a new run, not the third.
    const again = await borrow(token, WRONG[2]);
    expect(again.body.error).toMatchObject({ code: 'payment_password_incorrect', attempts_remaining: 2 });
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(1);
  });

  it('3 wrong in a row → step_up_required (no further guess is compared); after the step-up the same request runs exactly once', async () => {
    const { token, userId } = await onboardWithPassword('pw-three');
    const ledger0 = await ledgerCounts();
    const line0 = (await api.get('/v1/credit/line', { token })).body;
    for (const w of WRONG.slice(0, 3)) {
      const r = await borrow(token, w);
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('payment_password_incorrect');
      await settleRiskWrites();
    }
    expect(await userRow(userId)).toMatchObject({ failedPasswordCount: 3, mfaRequired: true });
    expect((await api.get('/v1/me', { token })).body.mfa_required).toBe(true);
    // Wrong passwords left no loan and no ledger change, and the line is untouched.
    expect(await loansOf(userId)).toHaveLength(0);
    expect(await ledgerCounts()).toEqual(ledger0);
    expect((await api.get('/v1/credit/line', { token })).body).toEqual(line0);
    const attempts = await h.database.db
      .select()
      .from(schema.loginAttempts)
      .where(and(eq(schema.loginAttempts.subject, userId), eq(schema.loginAttempts.kind, 'password')));
    expect(attempts.filter((a) => !a.success)).toHaveLength(3);

    await advance(2 * 60_000);
    // Locked: even the right password (or another guess) now meets the step-up first.
    const guess = await borrow(token, WRONG[3]);
    expect(guess.status).toBe(403);
    expect(guess.body.error.code).toBe('step_up_required');
    await settleRiskWrites();
    expect((await userRow(userId))?.failedPasswordCount).toBe(3);
    // Changing the password is locked the same way.
    const change = await setPassword(token, { password: OTHER, current_password: PASSWORD });
    expect(change.status).toBe(403);
    expect(change.body.error.code).toBe('step_up_required');

    const k = key();
    const first = await borrow(token, PASSWORD, k);
    expect(first.status).toBe(403);
    expect(first.body.error).toMatchObject({
      code: 'step_up_required',
      step_up: { rule: 'payment_password_failures' },
    });
    const challengeId = first.body.error.step_up.challenge_id as string;
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(0);

    const view = await api.get(`/v1/risk/step-up/${challengeId}?device_id=pw-phone`, { token });
    expect(view.body.rule).toBe('payment_password_failures');
    const { otp_code, device_code } = view.body.dev_delivery;
    const passed = await api.post(
      '/v1/risk/step-up',
      { challenge_id: challengeId, otp_code, device_id: 'pw-phone', device_code },
      { token },
    );
    expect(passed.status).toBe(200);
    expect(await userRow(userId)).toMatchObject({ failedPasswordCount: 0, mfaRequired: false });

    const done = await borrow(token, PASSWORD, k);
    expect(done.status).toBe(201);
    // Same key with a different password is the same request: a replay, no second loan.
    const replay = await borrow(token, OTHER, k);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(done.body.id);
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(1);
    expect((await userRow(userId))?.failedPasswordCount).toBe(0);
  });

  it('the password never reaches the idempotency record or the logs', async () => {
    const { token } = await onboardWithPassword('pw-secret');
    const k = key();
    const wrong = await borrow(token, WRONG[1], k);
    expect(wrong.body.error.code).toBe('payment_password_incorrect');
    const ok = await borrow(token, PASSWORD, k);
    expect(ok.status).toBe(201);
    await settleRiskWrites();
    const [rec] = await h.database.db
      .select()
      .from(schema.idempotencyRecords)
      .where(eq(schema.idempotencyRecords.key, k));
    expect(rec).toBeDefined();
    // The stored hash is that of the body without the password.
    expect(rec?.requestHash).toBe(
      requestHash({ method: 'POST', routePath: '/v1/loans', params: {}, body: BODY }),
    );
    expect(rec?.requestHash).not.toBe(
      requestHash({
        method: 'POST',
        routePath: '/v1/loans',
        params: {},
        body: { ...BODY, payment_password: PASSWORD },
      }),
    );
    const stored = JSON.stringify(rec, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of [PASSWORD, WRONG[1] as string]) expect(stored).not.toContain(secret);
    const logs = JSON.stringify(logged);
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [PASSWORD, OTHER, ...WRONG]) expect(logs).not.toContain(secret);
  });
});
