/**
 * Risk gate through the HTTP API: a step-up raised on borrow, completed with the two dev
 * factors, lets the same idempotent request run exactly once; a switched-off authorisation
 * keeps its data out of the decision.
 */
import { schema } from '@fenqi/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { type Api, key, onboard } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const BODY = { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' };

describe.each(dbKinds())('step-up on %s', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => {
    await settleRiskWrites();
    await h?.close();
  });

  const borrowFrom = (token: string, device: string, idempotencyKey = key()) =>
    api.post('/v1/loans', BODY, { token, idempotencyKey, headers: { 'x-device-id': device } });

  async function loansOf(userId: string) {
    return h.database.db
      .select({ id: schema.loans.id })
      .from(schema.loans)
      .where(eq(schema.loans.userId, userId));
  }

  it('three devices within 10 minutes → step_up_required; two factors; the same request then runs exactly once', async () => {
    const { token, userId } = await onboard(api, 'stepup-a');
    expect((await api.put('/v1/authorizations/device_info', { granted: true }, { token })).status).toBe(200);
    expect((await borrowFrom(token, 'dev-1')).status).toBe(201);
    await settleRiskWrites();
    expect((await borrowFrom(token, 'dev-2')).status).toBe(201);
    await settleRiskWrites();

    const k = key();
    const first = await borrowFrom(token, 'dev-3', k);
    expect(first.status).toBe(403);
    expect(first.body.error.code).toBe('step_up_required');
    const challengeId = first.body.error.step_up.challenge_id as string;
    expect(challengeId).toMatch(/^stp_/);
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(2);

    // Retrying before verifying is still refused, and creates nothing.
    const early = await borrowFrom(token, 'dev-3', k);
    expect(early.body.error?.code).toBe('step_up_required');
    await settleRiskWrites();

    const view = await api.get(`/v1/risk/step-up/${challengeId}?device_id=dev-1`, { token });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'pending',
      rule: 'multi_device_login',
      factors_required: ['one_time_code', 'device_confirmation'],
    });
    const { otp_code, device_code } = view.body.dev_delivery;

    const wrong = await api.post(
      '/v1/risk/step-up',
      {
        challenge_id: challengeId,
        otp_code: otp_code === '000000' ? '000001' : '000000',
        device_id: 'dev-1',
        device_code,
      },
      { token },
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: 'step_up_code_invalid', attempts_remaining: 4 });
    const unknownDevice = await api.post(
      '/v1/risk/step-up',
      { challenge_id: challengeId, otp_code, device_id: 'stranger', device_code: '123456' },
      { token },
    );
    expect(unknownDevice.body.error.code).toMatch(/step_up_(device_unknown|code_invalid)/);

    const passed = await api.post(
      '/v1/risk/step-up',
      { challenge_id: challengeId, otp_code, device_id: 'dev-1', device_code },
      { token },
    );
    expect(passed.status).toBe(200);
    expect(passed.body.status).toBe('passed');
    const again = await api.post(
      '/v1/risk/step-up',
      { challenge_id: challengeId, otp_code, device_id: 'dev-1', device_code },
      { token },
    );
    expect(again.body.error.code).toBe('step_up_already_passed');

    const done = await borrowFrom(token, 'dev-3', k);
    expect(done.status).toBe(201);
    const replay = await borrowFrom(token, 'dev-3', k);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(done.body.id);
    await settleRiskWrites();
    expect(await loansOf(userId)).toHaveLength(3);

    const events = await h.database.db
      .select()
      .from(schema.riskEvents)
      .where(eq(schema.riskEvents.userId, userId));
    const stepUps = events.filter((e) => e.action === 'step_up');
    expect(stepUps.length).toBeGreaterThanOrEqual(1);
    expect(stepUps[0]?.details).toMatchObject({ rule: 'multi_device_login', challenge_id: challengeId });
    expect(events.some((e) => e.kind === 'step_up_passed')).toBe(true);
    expect(events.every((e) => e.kind !== 'evaluation' || typeof e.decisionMs === 'number')).toBe(true);
  });

  it('with device_info switched off, device ids are never used: the same three devices pass', async () => {
    const { token, userId } = await onboard(api, 'stepup-b');
    await api.put('/v1/authorizations/device_info', { granted: true }, { token });
    await api.put('/v1/authorizations/device_info', { granted: false }, { token });
    for (const d of ['dev-1', 'dev-2', 'dev-3']) {
      const r = await borrowFrom(token, d);
      expect(r.status).toBe(201);
      await settleRiskWrites();
    }
    const events = await h.database.db
      .select()
      .from(schema.riskEvents)
      .where(and(eq(schema.riskEvents.userId, userId), eq(schema.riskEvents.kind, 'evaluation')));
    expect(events).toHaveLength(3);
    for (const e of events) expect(e.details).not.toHaveProperty('device_id');
  });

  it('five attempts within a minute are refused (velocity) and the refusal is recorded', async () => {
    const { token, userId } = await onboard(api, 'stepup-c');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await api.post('/v1/loans', { ...BODY, principal_amount: 50_000 }, { token, idempotencyKey: key() }))
          .status,
      );
      await settleRiskWrites();
    }
    expect(statuses).toEqual([201, 201, 201, 201, 422]);
    const declined = await h.database.db
      .select()
      .from(schema.riskEvents)
      .where(and(eq(schema.riskEvents.userId, userId), eq(schema.riskEvents.action, 'decline')));
    expect(declined).toHaveLength(1);
    expect(declined[0]?.details).toMatchObject({ rule: 'attempt_velocity_burst' });
    const why = await api.get('/v1/risk/decisions', { token });
    expect(why.status).toBe(200);
    expect(why.body.data[0]).toMatchObject({
      decision: 'refuse',
      rule: 'attempt_velocity_burst',
      request_action: 'borrow',
    });
    expect(why.body.data[0].reasons[0].reason).toContain('attempts within 60 seconds');
  });
});
