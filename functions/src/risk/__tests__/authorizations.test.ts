/**
 * A switched-off authorisation stops its data being used, checked where the data is loaded:
 * the risk engine's input (location, device ids), the credit indicators (payment flow,
 * social activity, consumption records) and the collection channels (SMS).
 */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema, withTransaction } from '../../db';
import { channelsFor } from '../collections-job';
import { creditIndicators } from '../credit-review';
import { loadRiskInput } from '../gate';
import { evaluateRisk } from '../shared';

let database: TestDatabase;
const NOW = new Date('2026-11-28T04:00:00.000Z');
const beijing = { latitudeDeg: 39.9042, longitudeDeg: 116.4074 };
const shanghai = { latitudeDeg: 31.2304, longitudeDeg: 121.4737 };

async function grant(key: string, granted: boolean) {
  await database.db
    .insert(schema.authorizations)
    .values({ userId: 'usr_p', key, granted })
    .onConflictDoUpdate({
      target: [schema.authorizations.userId, schema.authorizations.key],
      set: { granted },
    });
}

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db
    .insert(schema.users)
    .values({ id: 'usr_p', openidHash: 'h_p', declaredMonthlyIncomeFen: 1_000_000n });
  // A recorded evaluation 20 minutes ago, from Beijing on device A.
  await database.db.insert(schema.riskEvents).values({
    id: 'rsk_prev',
    userId: 'usr_p',
    kind: 'evaluation',
    severity: 'low',
    action: 'none',
    details: { action: 'borrow', device_id: 'dev-A', location: beijing, idempotency_key_hash: 'abc' },
    createdAt: new Date(NOW.getTime() - 20 * 60_000),
  });
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  await database.db.delete(schema.authorizations);
});

const gateInput = {
  action: 'borrow' as const,
  userId: 'usr_p',
  amountFen: 100_000n,
  now: NOW,
  requestId: 'req_1',
  deviceId: 'dev-B',
  idempotencyKey: 'k1',
  location: shanghai,
};
const load = () => withTransaction(database, (tx) => loadRiskInput(tx, gateInput, 'borrow'));

describe('risk engine input', () => {
  it('location on: the locations reach the engine and impossible travel fires', async () => {
    await grant('location', true);
    const { engine } = await load();
    expect(engine.logins.filter((l) => l.location).length).toBe(2);
    expect(evaluateRisk(engine).rule).toBe('impossible_travel');
  });
  it('location revoked: no location reaches the engine, the rule cannot fire', async () => {
    await grant('location', true);
    await grant('location', false);
    const { engine } = await load();
    expect(engine.logins.some((l) => l.location !== undefined)).toBe(false);
    expect(evaluateRisk(engine).decision).toBe('allow');
  });
  it('device_info on: device ids are used; off: none are', async () => {
    await grant('device_info', true);
    expect((await load()).engine.logins.map((l) => l.deviceId).sort()).toEqual(['dev-A', 'dev-B']);
    await grant('device_info', false);
    expect((await load()).engine.logins).toEqual([]);
  });
});

describe('credit indicators', () => {
  const user = () =>
    database.db
      .select()
      .from(schema.users)
      .then((r) => r[0] as typeof schema.users.$inferSelect);
  it('only authorised indicators are read; revoking payment flow leaves it out', async () => {
    await grant('payment_flow', true);
    await grant('social_activity', true);
    const on = await user().then((u) =>
      withTransaction(database, (tx) => creditIndicators(tx, u, '2026-11-28')),
    );
    expect(on.scores.payment_flow).not.toBeNull();
    expect(on.scores.social_activity).not.toBeNull();
    expect(on.scores.consumption_stability).toBeNull();
    await grant('payment_flow', false);
    const off = await user().then((u) =>
      withTransaction(database, (tx) => creditIndicators(tx, u, '2026-11-28')),
    );
    expect(off.scores.payment_flow).toBeNull();
  });
});

describe('collection channels', () => {
  it('SMS only with repayment_reminders_sms; never e-mail; contacts are not a channel or an input', () => {
    expect(channelsFor(new Set())).toEqual(['wechat', 'call', 'letter']);
    expect(channelsFor(new Set(['repayment_reminders_sms', 'contacts']))).toEqual([
      'wechat',
      'call',
      'letter',
      'sms',
    ]);
  });
});
