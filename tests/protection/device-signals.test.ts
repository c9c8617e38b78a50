/**
 * The device and location signals of the risk gate, end to end: logins are recorded per user
 * with their `X-Device-Id`, so logins on several devices trip the multi-device rule (only with
 * the `device_info` authorisation); `X-Device-Location` is parsed strictly (400 with the header
 * as `param`), and two far-apart locations within minutes trip the impossible-travel rule (only
 * with the `location` authorisation).
 */
import { schema } from '@fenqi/db';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../functions/src/http/errors';
import { settleRiskWrites } from '../../functions/src/risk/detached';
import { parseDeviceLocation } from '../../functions/src/risk-gate';
import { type Api, key, onboard } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const BODY = { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' };
const BEIJING = '39.9042,116.4074';
const SHANGHAI = '31.2304,121.4737'; // ≈ 1,070 km from Beijing

const MALFORMED = [
  '',
  ',',
  '39.9',
  'abc',
  '39.9;116.4',
  '39.9,116.4,1',
  '91,0',
  '-90.5,0',
  '0,180.0001',
  '0,-181',
  '1e1,2',
  '0x10,5',
  'NaN,NaN',
  'Infinity,0',
  '39.9 116.4',
  '39.,116.4',
  '.5,116.4',
  '1234,5',
];

describe('X-Device-Location parsing', () => {
  it('accepts exactly the in-range decimal pairs, to the degree value sent', () => {
    const coord = (max: number) =>
      fc
        .tuple(fc.integer({ min: -max * 1_000_000, max: max * 1_000_000 }), fc.integer({ min: 0, max: 6 }))
        .map(([micro, digits]) => (micro / 1_000_000).toFixed(digits));
    fc.assert(
      fc.property(coord(90), coord(180), (lat, lon) => {
        expect(parseDeviceLocation(`${lat},${lon}`)).toEqual({
          latitudeDeg: Number(lat),
          longitudeDeg: Number(lon),
        });
      }),
    );
  });

  it('refuses latitudes beyond ±90 and longitudes beyond ±180 with 400 invalid_header', () => {
    const outside = (max: number) =>
      fc.oneof(
        fc.double({ min: max + 0.001, max: 999, noNaN: true }),
        fc.double({ min: -999, max: -max - 0.001, noNaN: true }),
      );
    fc.assert(
      fc.property(outside(90), fc.double({ min: -180, max: 180, noNaN: true }), (lat, lon) => {
        expect(() => parseDeviceLocation(`${lat.toFixed(4)},${lon.toFixed(4)}`)).toThrow(ApiError);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: -90, max: 90, noNaN: true }), outside(180), (lat, lon) => {
        expect(() => parseDeviceLocation(`${lat.toFixed(4)},${lon.toFixed(4)}`)).toThrow(ApiError);
      }),
    );
    for (const m of MALFORMED) {
      try {
        parseDeviceLocation(m);
        throw new Error(`accepted ${JSON.stringify(m)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect(err).toMatchObject({ status: 400, code: 'invalid_header', param: 'X-Device-Location' });
      }
    }
    expect(parseDeviceLocation(undefined)).toBeUndefined();
    expect(parseDeviceLocation('90,-180')).toEqual({ latitudeDeg: 90, longitudeDeg: -180 });
  });
});

describe.each(dbKinds())('device and location signals on %s', (kind) => {
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

  const loginOn = (name: string, device: string) =>
    api.post('/v1/auth/session', { code: `dev:${name}` }, { headers: { 'x-device-id': device } });
  const borrow = (token: string, headers: Record<string, string>) =>
    api.post('/v1/loans', BODY, { token, idempotencyKey: key(), headers });
  const grant = (token: string, authorization: string) =>
    api.put(`/v1/authorizations/${authorization}`, { granted: true }, { token });

  it('logins are recorded per user with their device id (no IP hash: the per-IP limit counts each login once)', async () => {
    const { userId } = await onboard(api, 'sig-rows');
    expect((await loginOn('sig-rows', 'phone-a')).status).toBe(201);
    const rows = await h.database.db
      .select()
      .from(schema.loginAttempts)
      .where(and(eq(schema.loginAttempts.subject, userId), eq(schema.loginAttempts.kind, 'session')));
    expect(rows.map((r) => r.deviceId)).toContain('phone-a');
    expect(rows.every((r) => r.success && r.ipHash === null)).toBe(true);
  });

  it('logins on 3 devices within 10 minutes → the next borrow needs a step-up; 2 devices do not', async () => {
    const three = await onboard(api, 'sig-three');
    expect((await grant(three.token, 'device_info')).status).toBe(200);
    for (const d of ['tab-1', 'tab-2', 'tab-3']) expect((await loginOn('sig-three', d)).status).toBe(201);
    const r = await borrow(three.token, { 'x-device-id': 'tab-1' });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'step_up_required', step_up: { rule: 'multi_device_login' } });

    const two = await onboard(api, 'sig-two');
    expect((await grant(two.token, 'device_info')).status).toBe(200);
    for (const d of ['tab-1', 'tab-2']) expect((await loginOn('sig-two', d)).status).toBe(201);
    expect((await borrow(two.token, { 'x-device-id': 'tab-1' })).status).toBe(201);
  });

  it('without the device_info authorisation the same logins are not used', async () => {
    const off = await onboard(api, 'sig-off');
    for (const d of ['tab-1', 'tab-2', 'tab-3']) expect((await loginOn('sig-off', d)).status).toBe(201);
    expect((await borrow(off.token, { 'x-device-id': 'tab-1' })).status).toBe(201);
  });

  it('a malformed X-Device-Location → 400 invalid_header with the header as param, nothing booked', async () => {
    const { token, userId } = await onboard(api, 'sig-malformed');
    for (const value of ['91,0', 'abc', '39.9,116.4,1', '0,181']) {
      const r = await borrow(token, { 'x-device-location': value });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({
        type: 'invalid_request',
        code: 'invalid_header',
        param: 'X-Device-Location',
      });
    }
    const loans = await h.database.db.select().from(schema.loans).where(eq(schema.loans.userId, userId));
    expect(loans).toHaveLength(0);
  });

  it('two far-apart locations within minutes → impossible_travel step-up; the same place, or no location authorisation, passes', async () => {
    const far = await onboard(api, 'sig-travel');
    expect((await grant(far.token, 'location')).status).toBe(200);
    expect((await borrow(far.token, { 'x-device-location': BEIJING })).status).toBe(201);
    await settleRiskWrites();
    const r = await borrow(far.token, { 'x-device-location': SHANGHAI });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'step_up_required', step_up: { rule: 'impossible_travel' } });
    await settleRiskWrites();
    const events = await h.database.db
      .select()
      .from(schema.riskEvents)
      .where(eq(schema.riskEvents.userId, far.userId));
    expect(events.some((e) => (e.details as { rule?: string }).rule === 'impossible_travel')).toBe(true);

    const same = await onboard(api, 'sig-stay');
    expect((await grant(same.token, 'location')).status).toBe(200);
    expect((await borrow(same.token, { 'x-device-location': BEIJING })).status).toBe(201);
    await settleRiskWrites();
    expect((await borrow(same.token, { 'x-device-location': BEIJING })).status).toBe(201);

    const off = await onboard(api, 'sig-travel-off');
    expect((await borrow(off.token, { 'x-device-location': BEIJING })).status).toBe(201);
    await settleRiskWrites();
    expect((await borrow(off.token, { 'x-device-location': SHANGHAI })).status).toBe(201);
    await settleRiskWrites();
    const offEvents = await h.database.db
      .select()
      .from(schema.riskEvents)
      .where(eq(schema.riskEvents.userId, off.userId));
    // Not authorised: the location is not even recorded.
    expect(offEvents.every((e) => !('location' in (e.details as object)))).toBe(true);
  });
});
