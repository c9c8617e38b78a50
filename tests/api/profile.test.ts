/** GET /v1/me, /v1/products, quiz and authorisations as a person sees them. */
import { DATA_AUTHORIZATIONS, PRODUCT_CODES } from '@fenqi/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CONSENTS, type Api, correctAnswers, login, onboard } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

describe.each(dbKinds())('profile and catalogue on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());

  it('walks a new person from login to an approved line, with reasons and the disclosure', async () => {
    const token = await login(api, 'prof-new');
    const me0 = (await api.get('/v1/me', { token })).body;
    expect(me0).toMatchObject({ tier: 'new', credit_line: null, education: { passed: false } });
    expect(me0.authorizations).toHaveLength(22);
    expect(me0.authorizations.every((a: { granted: boolean }) => a.granted === false)).toBe(true);

    const products0 = (await api.get('/v1/products', { token })).body;
    expect(products0.data.map((p: { code: string }) => p.code)).toEqual([...PRODUCT_CODES]);
    expect(products0.data.every((p: { eligible: boolean }) => p.eligible === false)).toBe(true);
    expect(products0.disclosure).toMatchObject({
      institution: expect.any(String),
      licence_number: expect.any(String),
    });
    expect(products0.disclosure.complaint_channel.phone).toEqual(expect.any(String));

    const quiz = (await api.get('/v1/education/quiz', { token })).body;
    expect(quiz.questions).toHaveLength(10);
    expect(JSON.stringify(quiz)).not.toContain('correct');
    const wrong = correctAnswers().map((a) => ({ ...a, option_id: a.option_id === 'a' ? 'b' : 'a' }));
    const failed = (await api.post('/v1/education/quiz', { answers: wrong }, { token })).body;
    expect(failed.passed).toBe(false);
    expect(failed.results[0]).toMatchObject({
      correct: false,
      correct_option_id: expect.any(String),
      explanation: expect.any(String),
    });

    const app = (
      await api.post(
        '/v1/credit/applications',
        { monthly_income: 1_500_000, consents: ALL_CONSENTS },
        { token },
      )
    ).body;
    expect(app.status).toBe('approved');
    expect(app.credit_line.base_limit_amount).toBe(3_000_000);
    expect(app.reasons.length).toBeGreaterThan(0);
    const payment = (await api.get('/v1/authorizations/payment_flow', { token })).body;
    expect(payment).toMatchObject({ granted: true, purpose: expect.any(String) });

    const me1 = (await api.get('/v1/me', { token })).body;
    expect(me1.credit_line.available_amount).toBe(3_000_000);
    expect(me1.health.score).toBeGreaterThanOrEqual(80);
    const products1 = (await api.get('/v1/products', { token })).body;
    const cash = products1.data.find((p: { code: string }) => p.code === 'cash_loan');
    expect(cash).toMatchObject({ eligible: true, your_max_amount: 3_000_000 });
    expect(cash.price.apr).toMatch(/^0\.\d+$/);
    const edu = products1.data.find((p: { code: string }) => p.code === 'education_installment');
    expect(edu.price.apr).toBe('0');
  });

  it('a quote carries the three rates, the schedule and the totals, and matches the loan', async () => {
    const { token } = await onboard(api, 'prof-quote', 2_000_000);
    const q = (
      await api.post(
        '/v1/quotes',
        {
          product: 'cash_loan',
          principal_amount: 1_000_000,
          term_months: 12,
          method: 'equal_installment',
          with_service_fee: true,
        },
        { token },
      )
    ).body;
    expect(q).toMatchObject({
      currency: 'CNY',
      apr: expect.stringMatching(/^0\.\d+$/),
      monthly_rate: expect.any(String),
      daily_rate: expect.any(String),
    });
    expect(q.installments).toHaveLength(12);
    const sum = (k: string) =>
      q.installments.reduce((t: number, i: Record<string, number>) => t + (i[k] ?? 0), 0);
    expect(sum('principal_amount')).toBe(1_000_000);
    expect(sum('interest_amount')).toBe(q.total_interest_amount);
    expect(sum('fee_amount')).toBe(q.total_fee_amount);
    expect(q.total_fee_amount).toBe(20_000); // 2 % for 12 periods
    expect(q.total_amount).toBe(1_000_000 + q.total_interest_amount + q.total_fee_amount);
    // With a fee, the all-in APR is above the nominal rate.
    expect(Number(q.apr)).toBeGreaterThan(Number(q.nominal_annual_rate));
    expect(DATA_AUTHORIZATIONS).toHaveLength(22);
  });
});
