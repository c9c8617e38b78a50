/**
 * Webhook secret rotation with an overlap window (Stripe's "roll secret"): after a rotation
 * every delivery carries one `v1=` per valid secret, the new one first, so a receiver that
 * knows only the old secret and one that knows only the new one both verify until the old
 * secret expires; from then on only the new one does.
 */
import {
  createTestDatabase,
  newId,
  schema,
  serverTestUrl,
  type TestDatabase,
  withTransaction,
} from '@fenqi/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/src/config';
import {
  createMerchant,
  rotateWebhookSecret,
  WEBHOOK_SECRET_OVERLAP_SECONDS,
} from '../../functions/src/merchant/merchants';
import { deliverDueEvents, SIGNING_SECRETS_MAX, signingEndpoints } from '../../functions/src/webhooks/worker';
import { computeSignature, parseSignatureHeader, verifySignature } from '../../merchant-kit/src/index';
import { type Harness, startHarness } from './harness';
import { type Receiver, startReceiver } from './receiver';

const kinds = serverTestUrl() ? (['pglite', 'server'] as const) : (['pglite'] as const);
const HOUR_MS = 3_600_000;

describe.each(kinds)('webhook secret rotation (%s)', (kind) => {
  let database: TestDatabase;
  let receiver: Receiver;
  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);
  const t0 = new Date('2026-03-01T02:00:00Z');
  let newest = '';

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // answers 200 to what the newest secret verifies; each test checks the headers per secret
    receiver = await startReceiver(() => newest);
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
  });

  async function newMerchant(): Promise<{ merchantId: string; secret: string }> {
    const created = await withTransaction(database, (tx) =>
      createMerchant(tx, {
        name: 'Noodle Bar',
        scene: 'dining',
        modes: ['test'],
        webhookUrl: receiver.url,
        now: t0,
        keys: config,
      }),
    );
    newest = created.webhookSecrets.test!;
    return { merchantId: created.merchantId, secret: newest };
  }

  const rotate = async (merchantId: string, now: Date, expiresInSeconds?: number) => {
    newest = await withTransaction(database, (tx) =>
      rotateWebhookSecret(tx, {
        merchantId,
        mode: 'test',
        url: receiver.url,
        now,
        keys: config,
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      }),
    );
    return newest;
  };

  /** Writes one event and delivers it as of `now`; returns the body and header the receiver got. */
  async function deliverOne(merchantId: string, now: Date): Promise<{ raw: string; header: string }> {
    const id = newId('evt');
    await database.db.insert(schema.outboxEvents).values({
      id,
      type: 'checkout.captured',
      merchantId,
      mode: 'test',
      payload: { id: newId('chk'), object: 'checkout', amount: 1234, currency: 'CNY' },
      nextAttemptAt: now,
      createdAt: now,
    });
    const summary = await deliverDueEvents({ database, now, eventIds: [id], keys: config });
    expect(summary.delivered).toBe(1);
    const got = receiver.received.find((r) => r.event.id === id);
    if (!got?.header) throw new Error('event not received');
    return { raw: got.raw, header: got.header };
  }

  const verifies = (d: { raw: string; header: string }, secret: string) =>
    verifySignature({ payload: d.raw, header: d.header, secret }).ok;
  const v1Count = (header: string) => parseSignatureHeader(header)?.signatures.length ?? 0;

  it('during the default 24 h overlap both secrets verify (new first); after it only the new one', async () => {
    const { merchantId, secret: oldSecret } = await newMerchant();
    const before = await deliverOne(merchantId, t0);
    expect(v1Count(before.header)).toBe(1);
    expect(verifies(before, oldSecret)).toBe(true);

    const newSecret = await rotate(merchantId, t0);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);

    const during = await deliverOne(merchantId, new Date(t0.getTime() + 23 * HOUR_MS));
    expect(during.header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifies(during, oldSecret)).toBe(true); // a merchant that has not switched yet
    expect(verifies(during, newSecret)).toBe(true); // a merchant that already switched
    const parsed = parseSignatureHeader(during.header)!;
    expect(parsed.signatures).toEqual([
      computeSignature(newSecret, parsed.timestampSeconds, during.raw),
      computeSignature(oldSecret, parsed.timestampSeconds, during.raw),
    ]);

    const after = await deliverOne(
      merchantId,
      new Date(t0.getTime() + WEBHOOK_SECRET_OVERLAP_SECONDS * 1000),
    );
    expect(v1Count(after.header)).toBe(1);
    expect(verifies(after, newSecret)).toBe(true);
    expect(verifies(after, oldSecret)).toBe(false);
  });

  it('expires_in 0 retires the old secret at once; a shorter expiry is never pushed back', async () => {
    const { merchantId, secret: s1 } = await newMerchant();
    const s2 = await rotate(merchantId, t0, 3600);
    const s3 = await rotate(merchantId, new Date(t0.getTime() + 60_000)); // default 24 h would be later
    const during = await deliverOne(merchantId, new Date(t0.getTime() + 30 * 60_000 + 60_000));
    expect(v1Count(during.header)).toBe(3);
    expect([s1, s2, s3].map((s) => verifies(during, s))).toEqual([true, true, true]);
    const laterThanAnHour = await deliverOne(merchantId, new Date(t0.getTime() + 2 * HOUR_MS));
    expect([s1, s2, s3].map((s) => verifies(laterThanAnHour, s))).toEqual([false, true, true]);

    const s4 = await rotate(merchantId, new Date(t0.getTime() + 3 * HOUR_MS), 0);
    const now = await deliverOne(merchantId, new Date(t0.getTime() + 3 * HOUR_MS));
    expect(v1Count(now.header)).toBe(1);
    expect([s1, s2, s3, s4].map((s) => verifies(now, s))).toEqual([false, false, false, true]);
  });

  it('refuses an overlap that is negative, fractional or longer than 7 days', async () => {
    const { merchantId } = await newMerchant();
    for (const bad of [-1, 1.5, 7 * 24 * 3600 + 1]) {
      await expect(rotate(merchantId, t0, bad)).rejects.toMatchObject({
        code: 'value_out_of_range',
        param: 'expires_in',
      });
    }
  });
});

describe('signingEndpoints (pure)', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const endpoint = fc.record({
    id: fc.uuid(),
    merchantId: fc.constantFrom('mch_a', 'mch_b'),
    mode: fc.constantFrom('test' as const, 'live' as const),
    url: fc.constant('https://example.test/hook'),
    secret: fc.constant('whsec_x'),
    enabled: fc.boolean(),
    expiresAt: fc.option(
      fc.integer({ min: -3, max: 3 }).map((h) => new Date(now.getTime() + h * HOUR_MS)),
      {
        nil: null,
      },
    ),
    createdAt: fc.integer({ min: -100, max: 0 }).map((h) => new Date(now.getTime() + h * HOUR_MS)),
  });

  it('signs only with enabled, unexpired secrets of the event`s merchant and mode, the current one first', () => {
    fc.assert(
      fc.property(fc.array(endpoint, { maxLength: 12 }), fc.constantFrom('test', 'live'), (rows, mode) => {
        const chosen = signingEndpoints(rows, { merchantId: 'mch_a', mode }, now);
        const eligible = rows.filter(
          (r) =>
            r.enabled &&
            r.merchantId === 'mch_a' &&
            r.mode === mode &&
            (r.expiresAt === null || r.expiresAt > now),
        );
        expect(chosen.length).toBe(Math.min(eligible.length, SIGNING_SECRETS_MAX));
        for (const c of chosen) expect(eligible).toContain(c);
        if (eligible.some((r) => r.expiresAt === null)) expect(chosen[0]!.expiresAt).toBeNull();
      }),
    );
  });
});

describe('POST /v1/merchant/webhook-secret/rotate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(serverTestUrl() ? 'server' : 'pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('returns the new secret once; until previous_secrets_expire_at deliveries verify with either secret', async () => {
    const oldSecret = h.merchantA.secret;
    const bad = await h.request('POST', '/v1/merchant/webhook-secret/rotate', {
      token: h.merchantA.key,
      body: { expires_in: 8 * 24 * 3600 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'expires_in' });

    const rotated = await h.merchantA.client.rotateWebhookSecret({ expires_in: 3600 });
    expect(rotated).toMatchObject({ object: 'webhook_secret', livemode: false });
    const newSecret = rotated.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const expiresAt = Date.parse(rotated.previous_secrets_expire_at);
    expect(Math.abs(expiresAt - (h.nowMs() + 3600_000))).toBeLessThan(60_000);

    // the harness receiver knows only the old secret: it still verifies during the overlap
    const shopper = await h.newShopper();
    const created = await h.createCheckout();
    const confirmed = await h.request('POST', `/v1/checkouts/${created.token}/confirm`, {
      token: shopper.token,
      idempotencyKey: `confirm-${created.id}`,
      body: { installments: 3 },
    });
    expect(confirmed.status).toBe(200);
    const [captured] = await h.receiver.waitFor('checkout.captured');
    expect(captured!.verified).toBe(true);
    expect(verifySignature({ payload: captured!.raw, header: captured!.header, secret: newSecret }).ok).toBe(
      true,
    );
    expect(parseSignatureHeader(captured!.header!)?.signatures).toHaveLength(2);
  });
});
