/**
 * Every error code of the core and the borrower API, provoked at least once (one row each),
 * plus: another user's loan is a 404, and a replayed request returns the stored response with
 * no second effect.
 */

import { request } from 'node:http';
import { schema, verifyInvariants } from '@fenqi/db';
import { type RiskGate, registerRiskGate, riskGate, setWechatTransport } from '@fenqi/functions';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CONSENTS, type Api, borrow, correctAnswers, key, login, onboard } from './flows';
import { type ApiResponse, client, dbKinds, type Harness, startHarness } from './harness';

const EXPECTED_CODES = [
  'route_not_found',
  'method_not_allowed',
  'resource_not_found',
  'body_too_large',
  'unsupported_media_type',
  'invalid_json',
  'duplicate_field',
  'unknown_field',
  'missing_field',
  'invalid_type',
  'value_out_of_range',
  'invalid_value',
  'unexpected_body',
  'invalid_idempotency_key',
  'idempotency_key_required',
  'idempotency_key_reused',
  'missing_credentials',
  'invalid_authorization_header',
  'invalid_token',
  'token_expired',
  'invalid_code',
  'dev_login_disabled',
  'rate_limited',
  'wechat_unavailable',
  'consent_required',
  'credit_line_exists',
  'credit_line_required',
  'credit_line_not_found',
  'education_required',
  'health_score_too_low',
  'credit_limit_exceeded',
  'amount_out_of_range',
  'term_out_of_range',
  'fee_option_not_allowed',
  'consumer_cap_exceeded',
  'quote_invalid',
  'quote_expired',
  'conflicting_fields',
  'loan_not_found',
  'loan_not_cancelable',
  'cooling_off_active',
  'loan_not_active',
  'grace_not_applicable',
  'grace_limit_reached',
  'proof_required',
  'temporary_increase_too_large',
  'temporary_increase_renewal_exhausted',
  'temporary_increase_not_active',
  'quiz_answers_incomplete',
  'authorization_not_found',
  'invalid_cursor',
  'clock_cannot_go_back',
  'step_up_required',
  'risk_declined',
  'account_frozen',
  'credit_line_frozen',
  'invalid_cron_secret',
] as const;

/** A request fetch() refuses to send (GET with a body). */
function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      {
        method,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve({
            status: res.statusCode ?? 0,
            headers: h,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(dbKinds())('error codes on %s', (kind) => {
  let h: Harness;
  let api: Api;
  const seen = new Map<string, number>();
  let A: { token: string; userId: string };
  let B: { token: string; userId: string };

  /** Asserts status, type-consistent body and code; records the code. */
  function expectError(r: ApiResponse, status: number, code: string, param?: string) {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error.code, JSON.stringify(r.body)).toBe(code);
    expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
    expect(typeof r.body.error.message).toBe('string');
    if (param !== undefined) expect(r.body.error.param).toBe(param);
    seen.set(code, status);
  }

  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
    A = await onboard(api, 'err-a', 2_000_000);
    B = await onboard(api, 'err-b', 2_000_000);
  });
  afterAll(async () => {
    setWechatTransport(undefined);
    await h?.close();
  });

  it('routing, parsing and idempotency', async () => {
    expectError(await api.get('/v1/nope'), 404, 'route_not_found');
    expectError(await api.call('DELETE', '/v1/loans'), 405, 'method_not_allowed');
    expectError(
      await api.get('/v1/loans/not-a-loan-id', { token: A.token }),
      404,
      'resource_not_found',
      'id',
    );
    const big = JSON.stringify({ code: 'x'.repeat(70_000) });
    expectError(await api.call('POST', '/v1/auth/session', undefined, { raw: big }), 413, 'body_too_large');
    expectError(
      await api.call('POST', '/v1/auth/session', undefined, {
        raw: 'code=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await api.call('POST', '/v1/auth/session', undefined, { raw: '{"code":' }),
      400,
      'invalid_json',
    );
    expectError(
      await api.call('POST', '/v1/auth/session', undefined, { raw: '{"code":"a","code":"b"}' }),
      400,
      'duplicate_field',
      'code',
    );
    expectError(
      await api.post('/v1/auth/session', { code: 'dev:x', openid: 'forged' }),
      400,
      'unknown_field',
      'openid',
    );
    expectError(await api.post('/v1/auth/session', {}), 400, 'missing_field', 'code');
    expectError(await api.post('/v1/auth/session', { code: 7 }), 400, 'invalid_type', 'code');
    expectError(
      await api.post(
        '/v1/quotes',
        { product: 'cash_loan', principal_amount: -5, term_months: 3, method: 'equal_installment' },
        { token: A.token },
      ),
      400,
      'value_out_of_range',
      'principal_amount',
    );
    expectError(
      await api.post(
        '/v1/quotes',
        { product: 'pawn_shop', principal_amount: 5, term_months: 3, method: 'equal_installment' },
        { token: A.token },
      ),
      400,
      'invalid_value',
      'product',
    );
    expectError(
      await rawRequest(h.baseUrl, 'GET', '/v1/me', '{}', { authorization: `Bearer ${A.token}` }),
      400,
      'unexpected_body',
    );
    expectError(
      await api.post(
        '/v1/loans',
        { quote_id: 'qt_x.y' },
        { token: A.token, headers: { 'idempotency-key': 'bad key with spaces' } },
      ),
      400,
      'invalid_idempotency_key',
      'Idempotency-Key',
    );
    expectError(
      await api.post('/v1/loans', { quote_id: 'qt_x.y' }, { token: A.token }),
      400,
      'idempotency_key_required',
      'Idempotency-Key',
    );
    expectError(
      await api.get('/v1/loans?starting_after=loan_doesnotexist', { token: A.token }),
      400,
      'invalid_cursor',
      'starting_after',
    );
  });

  it('authentication and login', async () => {
    expectError(await api.get('/v1/me'), 401, 'missing_credentials');
    expectError(
      await api.get('/v1/me', { headers: { authorization: 'Token abc' } }),
      401,
      'invalid_authorization_header',
    );
    expectError(await api.get('/v1/me', { token: `${A.token.slice(0, -2)}xx` }), 401, 'invalid_token');
    expectError(await api.post('/v1/auth/session', { code: 'not-a-dev-code' }), 401, 'invalid_code', 'code');

    // Production-like configuration: no dev codes, WeChat exchange, no test clock.
    const prodConfig = {
      ...h.config,
      mode: 'production' as const,
      devLoginAllowed: false,
      testClockEnabled: false,
      wechat: { appId: 'wx_test', appSecret: 'secret' },
    };
    const prod = await startHarness(kind, { database: h.database, config: prodConfig });
    try {
      const p = client(prod.baseUrl);
      setWechatTransport(async (url) => {
        const code = new URL(url).searchParams.get('js_code');
        if (code === 'good')
          return { status: 200, json: async () => ({ openid: 'o_wechat_1', session_key: 'never-leaves' }) };
        if (code === 'down') throw new Error('network');
        return { status: 200, json: async () => ({ errcode: 40029, errmsg: 'invalid code' }) };
      });
      const ok = await p.post('/v1/auth/session', { code: 'good' });
      expect(ok.status).toBe(201);
      expect(JSON.stringify(ok.body)).not.toContain('never-leaves');
      expectError(await p.post('/v1/auth/session', { code: 'dev:alice' }), 401, 'invalid_code');
      expectError(await p.post('/v1/auth/session', { code: 'down' }), 503, 'wechat_unavailable');
      expectError(await p.post('/v1/test/clock', { now: new Date().toISOString() }), 404, 'route_not_found');
    } finally {
      setWechatTransport(undefined);
      await prod.close();
    }

    const noDev = await startHarness(kind, {
      database: h.database,
      config: { ...h.config, devLoginAllowed: false },
    });
    try {
      expectError(
        await client(noDev.baseUrl).post('/v1/auth/session', { code: 'dev:alice' }),
        401,
        'dev_login_disabled',
        'code',
      );
    } finally {
      await noDev.close();
    }

    const limited = await startHarness(kind, {
      database: h.database,
      config: {
        ...h.config,
        loginRateLimit: { windowSeconds: 60, perCode: 2, perIp: 1000 },
        cronSecret: 'cron-secret-for-tests',
      },
    });
    try {
      const l = client(limited.baseUrl);
      expect((await l.post('/v1/auth/session', { code: 'dev:rl-user' })).status).toBe(201);
      const second = await l.post('/v1/auth/session', { code: 'dev:rl-user' });
      const third = await l.post('/v1/auth/session', { code: 'dev:rl-user' });
      expect([second.status, third.status]).toContain(429);
      expectError(third, 429, 'rate_limited');
      expect(third.headers.get('retry-after')).toBe('60');
      expectError(await l.get('/v1/cron/daily'), 401, 'invalid_cron_secret');
      expect(
        (await l.get('/v1/cron/daily', { headers: { authorization: 'Bearer cron-secret-for-tests' } }))
          .status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('credit, temporary increases, quiz and authorisations', async () => {
    const fresh = await login(api, 'err-fresh');
    expectError(await api.get('/v1/credit/line', { token: fresh }), 404, 'credit_line_not_found');
    expectError(
      await api.post(
        '/v1/quotes',
        { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' },
        { token: fresh },
      ),
      422,
      'credit_line_required',
    );
    expectError(
      await api.post(
        '/v1/credit/applications',
        { monthly_income: 1_000_000, consents: ['payment_flow'] },
        { token: fresh },
      ),
      422,
      'consent_required',
      'consents',
    );
    expectError(
      await api.post(
        '/v1/credit/applications',
        { monthly_income: 1_000_000, consents: ALL_CONSENTS },
        { token: A.token },
      ),
      422,
      'credit_line_exists',
    );
    const declined = await api.post(
      '/v1/credit/applications',
      { monthly_income: 50_000, consents: ALL_CONSENTS },
      { token: fresh },
    );
    expect(declined.body).toMatchObject({ status: 'declined', decline_code: 'income_insufficient' });
    expect(declined.body.reasons.length).toBeGreaterThan(0);

    const proof = { type: 'payslip', reference: 'doc_123' };
    expectError(
      await api.post('/v1/credit/temporary-increases', { renew: true, proof }, { token: A.token }),
      422,
      'temporary_increase_not_active',
    );
    expectError(
      await api.post('/v1/credit/temporary-increases', { amount: 3_000_000, proof }, { token: A.token }),
      422,
      'temporary_increase_too_large',
      'amount',
    );
    expectError(
      await api.post(
        '/v1/credit/temporary-increases',
        { amount: 100_000, proof: { type: 'asset', reference: '   ' } },
        { token: A.token },
      ),
      422,
      'proof_required',
      'proof',
    );
    const granted = await api.post(
      '/v1/credit/temporary-increases',
      { amount: 1_000_000, event: 'singles_day', proof },
      { token: A.token },
    );
    expect(granted.status).toBe(201);
    expect(granted.body.credit_line.temporary_limit_amount).toBe(1_000_000);
    expect(
      (await api.post('/v1/credit/temporary-increases', { renew: true, proof }, { token: A.token })).status,
    ).toBe(201);
    expectError(
      await api.post('/v1/credit/temporary-increases', { renew: true, proof }, { token: A.token }),
      422,
      'temporary_increase_renewal_exhausted',
    );

    expectError(
      await api.post('/v1/education/quiz', { answers: correctAnswers().slice(0, 9) }, { token: A.token }),
      422,
      'quiz_answers_incomplete',
    );
    expectError(
      await api.get('/v1/authorizations/no_such_key', { token: A.token }),
      404,
      'authorization_not_found',
      'key',
    );
    const off = await api.put('/v1/authorizations/location', { granted: false }, { token: A.token });
    expect(off.body).toMatchObject({ key: 'location', granted: false });
    const all = await api.get('/v1/authorizations', { token: A.token });
    expect(all.body.data).toHaveLength(22);
  });

  it('borrowing rules', async () => {
    const noQuiz = await login(api, 'err-noquiz');
    await api.post(
      '/v1/credit/applications',
      { monthly_income: 2_000_000, consents: ALL_CONSENTS },
      { token: noQuiz },
    );
    const base = { product: 'cash_loan', term_months: 12, method: 'equal_installment' };
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, principal_amount: 100_000 },
        { token: noQuiz, idempotencyKey: key() },
      ),
      422,
      'education_required',
    );

    const poor = await onboard(api, 'err-poor', 100_000); // ¥1,000 a month, line ¥2,000
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, term_months: 1, principal_amount: 150_000 },
        { token: poor.token, idempotencyKey: key() },
      ),
      422,
      'health_score_too_low',
    );

    expectError(
      await api.post(
        '/v1/loans',
        { ...base, principal_amount: 9_000_000 },
        { token: A.token, idempotencyKey: key() },
      ),
      422,
      'credit_limit_exceeded',
    );
    expectError(
      await api.post('/v1/quotes', { ...base, principal_amount: 100 }, { token: A.token }),
      422,
      'amount_out_of_range',
      'principal_amount',
    );
    expectError(
      await api.post(
        '/v1/quotes',
        { ...base, principal_amount: 100_000, term_months: 37 },
        { token: A.token },
      ),
      400,
      'value_out_of_range',
      'term_months',
    );
    expectError(
      await api.post(
        '/v1/quotes',
        {
          product: 'education_installment',
          principal_amount: 1_000_000,
          term_months: 6,
          method: 'equal_installment',
        },
        { token: A.token },
      ),
      422,
      'term_out_of_range',
      'term_months',
    );
    expectError(
      await api.post(
        '/v1/quotes',
        { ...base, term_months: 5, principal_amount: 100_000, with_service_fee: true },
        { token: A.token },
      ),
      422,
      'fee_option_not_allowed',
    );
    expectError(
      await api.post(
        '/v1/loans',
        { quote_id: 'qt_eyJ1IjoieCJ9.AAAA' },
        { token: A.token, idempotencyKey: key() },
      ),
      422,
      'quote_invalid',
      'quote_id',
    );
    const q = await api.post('/v1/quotes', { ...base, principal_amount: 100_000 }, { token: A.token });
    expectError(
      await api.post('/v1/loans', { quote_id: q.body.id }, { token: B.token, idempotencyKey: key() }),
      422,
      'quote_invalid',
      'quote_id',
    );
    expectError(
      await api.post(
        '/v1/loans',
        { quote_id: q.body.id, principal_amount: 5 },
        { token: A.token, idempotencyKey: key() },
      ),
      400,
      'conflicting_fields',
      'principal_amount',
    );

    // Consumer cap: ¥200,000 line + ¥100,000 temporary; borrowing past ¥200,000 of consumer debt is refused.
    const rich = await onboard(api, 'premium-err-rich', 10_000_000);
    await api.post(
      '/v1/credit/temporary-increases',
      { amount: 10_000_000, proof: { type: 'bank_flow', reference: 'flow_9' } },
      { token: rich.token },
    );
    await borrow(api, rich.token, { ...base, term_months: 36, principal_amount: 19_000_000 });
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, principal_amount: 2_000_000 },
        { token: rich.token, idempotencyKey: key() },
      ),
      422,
      'consumer_cap_exceeded',
      'principal_amount',
    );

    // Frozen account and frozen line (set by risk control).
    const frozen = await onboard(api, 'err-frozen', 2_000_000);
    await h.database.db
      .update(schema.creditLines)
      .set({ frozen: true })
      .where(eq(schema.creditLines.userId, frozen.userId));
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, principal_amount: 100_000 },
        { token: frozen.token, idempotencyKey: key() },
      ),
      422,
      'credit_line_frozen',
    );
    await h.database.db
      .update(schema.users)
      .set({ status: 'frozen' })
      .where(eq(schema.users.id, frozen.userId));
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, principal_amount: 100_000 },
        { token: frozen.token, idempotencyKey: key() },
      ),
      422,
      'account_frozen',
    );

    // Risk gate outcomes (the registered gate is restored afterwards).
    const previous = riskGate();
    try {
      registerRiskGate({
        evaluate: async () => ({
          decision: 'step_up',
          challengeId: 'stp_test',
          rule: 'test_rule',
          reason: 'verify it is you',
        }),
      } satisfies RiskGate);
      const r = await api.post(
        '/v1/loans',
        { ...base, principal_amount: 100_000 },
        { token: B.token, idempotencyKey: key() },
      );
      expectError(r, 403, 'step_up_required');
      expect(r.body.error.step_up).toEqual({ challenge_id: 'stp_test', rule: 'test_rule' });
      registerRiskGate({ evaluate: async () => ({ decision: 'refuse', rule: 'test_rule', reason: 'no' }) });
      expectError(
        await api.post(
          '/v1/loans',
          { ...base, principal_amount: 100_000 },
          { token: B.token, idempotencyKey: key() },
        ),
        422,
        'risk_declined',
      );
    } finally {
      registerRiskGate(previous);
    }
  });

  it('loans: ownership, state rules, grace limit, replay', async () => {
    const base = { product: 'cash_loan', method: 'equal_installment' };
    const loanKey = key();
    const first = await api.post(
      '/v1/loans',
      { ...base, term_months: 6, principal_amount: 600_000 },
      { token: A.token, idempotencyKey: loanKey },
    );
    expect(first.status).toBe(201);
    const loansBefore = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(schema.loans);
    const replay = await api.post(
      '/v1/loans',
      { ...base, term_months: 6, principal_amount: 600_000 },
      { token: A.token, idempotencyKey: loanKey },
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const loansAfter = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(schema.loans);
    expect(loansAfter).toEqual(loansBefore);
    expectError(
      await api.post(
        '/v1/loans',
        { ...base, term_months: 6, principal_amount: 700_000 },
        { token: A.token, idempotencyKey: loanKey },
      ),
      409,
      'idempotency_key_reused',
      'Idempotency-Key',
    );

    const loan = first.body;
    // User B asking for user A's loan: 404, as if it did not exist.
    for (const path of [`/v1/loans/${loan.id}`, `/v1/loans/${loan.id}/payoff`]) {
      expectError(await api.get(path, { token: B.token }), 404, 'loan_not_found', 'id');
    }
    expectError(
      await api.post(
        `/v1/loans/${loan.id}/repayments`,
        { type: 'payoff' },
        { token: B.token, idempotencyKey: key() },
      ),
      404,
      'loan_not_found',
    );
    expectError(
      await api.post(`/v1/loans/${loan.id}/cancel`, {}, { idempotencyKey: key(), token: B.token }),
      404,
      'loan_not_found',
    );
    expectError(await api.post(`/v1/loans/${loan.id}/grace`, {}, { token: B.token }), 404, 'loan_not_found');
    expectError(await api.get('/v1/loans/loan_doesnotexist', { token: A.token }), 404, 'loan_not_found');
    expect(
      (await api.get('/v1/loans', { token: B.token })).body.data.map((l: { id: string }) => l.id),
    ).not.toContain(loan.id);

    expectError(
      await api.post(`/v1/loans/${loan.id}/cancel`, {}, { idempotencyKey: key(), token: A.token }),
      422,
      'loan_not_cancelable',
    );

    // A repayment replayed: one repayment row, same body.
    const repayKey = key();
    const pay1 = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token: A.token, idempotencyKey: repayKey },
    );
    expect(pay1.status).toBe(201);
    const pay1again = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'installment' },
      { token: A.token, idempotencyKey: repayKey },
    );
    expect(pay1again.body).toEqual(pay1.body);
    const reps = await h.database.db
      .select()
      .from(schema.repayments)
      .where(eq(schema.repayments.loanId, loan.id));
    expect(reps).toHaveLength(1);

    // Paying part of the next bill early, then prepaying more: the early interest is credited
    // (nothing is earned yet on the same day, so it becomes principal) and the books balance.
    // `prepayment_not_supported` is no longer an error code.
    const part = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: 100 },
      { token: A.token, idempotencyKey: key() },
    );
    expect(part.status).toBe(201);
    expect(part.body.interest_amount).toBe(100);
    const prepay = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { amount: 300_000 },
      { token: A.token, idempotencyKey: key() },
    );
    expect(prepay.status, JSON.stringify(prepay.body)).toBe(201);
    expect(prepay.body.outcome).toBe('prepayment');
    expect(prepay.body.rebate_amount).toBe(100);
    expect(prepay.body.principal_amount).toBe(300_100);
    expect(await verifyInvariants(h.database)).toEqual([]);
    expect(
      (
        await api.post(
          `/v1/loans/${loan.id}/repayments`,
          { type: 'installment' },
          { token: A.token, idempotencyKey: key() },
        )
      ).status,
    ).toBe(201);

    // Grace: 2 per calendar year (installments 3 and 4 fall in the same year as 2, or the limit is per year).
    let graces = 0;
    let refusal: ApiResponse | undefined;
    for (let i = 0; i < 4 && !refusal; i++) {
      const g = await api.post(`/v1/loans/${loan.id}/grace`, { days: 1 }, { token: A.token });
      if (g.status === 201) {
        graces++;
        await api.post(
          `/v1/loans/${loan.id}/repayments`,
          { type: 'installment' },
          { token: A.token, idempotencyKey: key() },
        );
      } else refusal = g;
    }
    expect(graces).toBe(2);
    if (!refusal) throw new Error('no grace refusal');
    expectError(refusal, 422, 'grace_limit_reached');

    const paid = await api.post(
      `/v1/loans/${loan.id}/repayments`,
      { type: 'payoff' },
      { token: A.token, idempotencyKey: key() },
    );
    expect(paid.body.loan.status).toBe('paid_off');
    expectError(
      await api.post(
        `/v1/loans/${loan.id}/repayments`,
        { amount: 100 },
        { token: A.token, idempotencyKey: key() },
      ),
      422,
      'loan_not_active',
    );
    expectError(
      await api.post(`/v1/loans/${loan.id}/grace`, {}, { token: A.token }),
      422,
      'grace_not_applicable',
    );

    // Cooling-off loan: no repayment before the money arrives.
    const cool = await onboard(api, 'err-cool', 600_000);
    const c = await borrow(api, cool.token, { ...base, term_months: 12, principal_amount: 370_000 });
    expect(c.status).toBe('cooling_off');
    expectError(
      await api.post(
        `/v1/loans/${c.id}/repayments`,
        { type: 'payoff' },
        { token: cool.token, idempotencyKey: key() },
      ),
      422,
      'cooling_off_active',
    );
    expectError(await api.get(`/v1/loans/${c.id}/payoff`, { token: cool.token }), 422, 'cooling_off_active');
  });

  it('clock and expiry', async () => {
    const q = await api.post(
      '/v1/quotes',
      { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' },
      { token: B.token },
    );
    const health = await api.get('/v1/health');
    expect(health.status).toBe(200);
    const later = new Date(Date.now() + 40 * 24 * 3600 * 1000);
    expect((await api.post('/v1/test/clock', { now: later.toISOString() })).status).toBe(200);
    expectError(
      await api.post('/v1/test/clock', { now: new Date(later.getTime() - 3_600_000).toISOString() }),
      422,
      'clock_cannot_go_back',
      'now',
    );
    expectError(await api.get('/v1/me', { token: B.token }), 401, 'token_expired');
    const b = await login(api, 'err-b');
    expectError(
      await api.post('/v1/loans', { quote_id: q.body.id }, { token: b, idempotencyKey: key() }),
      422,
      'quote_expired',
      'quote_id',
    );
  });

  it('provoked every listed code', () => {
    const missing = EXPECTED_CODES.filter((c) => !seen.has(c));
    expect(missing).toEqual([]);
  });
});
