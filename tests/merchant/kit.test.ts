import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookPayload } from '../../functions/src/webhooks/signature';
import {
  constructEvent,
  FenqiApiError,
  FenqiClient,
  parseSignatureHeader,
  signatureHeader,
  verifySignature,
  WebhookVerificationError,
} from '../../merchant-kit/src/index';

const secret = 'whsec_0123456789abcdefghijklmnopqrstuv';
const body = JSON.stringify({
  id: 'evt_1',
  type: 'checkout.captured',
  created: 1_700_000_000,
  data: { object: {} },
});

describe('merchant kit signature verifier', () => {
  it('accepts what the server signs (cross-check of two implementations)', () => {
    const header = signWebhookPayload({ secrets: [secret], timestampSeconds: 1_700_000_000, payload: body });
    expect(verifySignature({ payload: body, header, secret, nowSeconds: 1_700_000_000 })).toEqual({
      ok: true,
      timestampSeconds: 1_700_000_000,
    });
    // an independent HMAC over "<t>.<body>" with the whsec_ string as key
    const mac = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac}`);
  });

  it.each([
    [-300, true],
    [300, true],
    [-301, false],
    [301, false],
  ])('a timestamp %i s away is accepted: %s (300 s both ways)', (skew, ok) => {
    const t = 1_700_000_000;
    const header = signatureHeader(secret, t, body);
    const result = verifySignature({ payload: body, header, secret, nowSeconds: t - skew });
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.code).toBe('timestamp_outside_tolerance');
  });

  it.each([
    [undefined, 'header_missing'],
    ['', 'header_missing'],
    ['v1=abc', 'header_malformed'],
    ['t=1700000000', 'header_malformed'],
    [`t=abc,v1=${'a'.repeat(64)}`, 'header_malformed'],
    [`t=1700000000,v1=${'0'.repeat(64)}`, 'signature_mismatch'],
  ])('header %j is refused with %s', (header, code) => {
    const result = verifySignature({ payload: body, header, secret, nowSeconds: 1_700_000_000 });
    expect(result).toMatchObject({ ok: false, code });
  });

  it('refuses a tampered body, a wrong secret and a byte-level change', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (payload, extra) => {
        const header = signatureHeader(secret, 1_700_000_000, payload);
        const now = 1_700_000_000;
        expect(verifySignature({ payload, header, secret, nowSeconds: now }).ok).toBe(true);
        expect(verifySignature({ payload: payload + extra, header, secret, nowSeconds: now }).ok).toBe(false);
        expect(verifySignature({ payload, header, secret: `${secret}x`, nowSeconds: now }).ok).toBe(false);
      }),
    );
  });

  it('accepts bytes as well as strings, and any of several v1 signatures (secret rotation)', () => {
    const t = 1_700_000_000;
    const good = signatureHeader(secret, t, body).split(',')[1]!;
    const header = `t=${t},v1=${'f'.repeat(64)},${good}`;
    expect(
      verifySignature({ payload: new TextEncoder().encode(body), header, secret, nowSeconds: t }).ok,
    ).toBe(true);
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
  });

  it('a header signed with several secrets (rotation overlap) verifies with each of them and no other', () => {
    const secretArb = fc.stringMatching(/^[0-9a-zA-Z]{8,32}$/).map((s) => `whsec_${s}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 1, maxLength: 8 }),
        secretArb,
        fc.integer({ min: -300, max: 300 }),
        (secrets, other, skew) => {
          const t = 1_700_000_000;
          const header = signWebhookPayload({ secrets, timestampSeconds: t, payload: body });
          expect(parseSignatureHeader(header)?.signatures).toHaveLength(secrets.length);
          for (const s of secrets) {
            expect(verifySignature({ payload: body, header, secret: s, nowSeconds: t + skew }).ok).toBe(true);
            expect(verifySignature({ payload: body, header, secret: s, nowSeconds: t + 301 }).ok).toBe(false);
            expect(verifySignature({ payload: body, header, secret: s, nowSeconds: t - 301 }).ok).toBe(false);
          }
          if (!secrets.includes(other)) {
            expect(verifySignature({ payload: body, header, secret: other, nowSeconds: t })).toMatchObject({
              ok: false,
              code: 'signature_mismatch',
            });
          }
        },
      ),
    );
  });

  it('constructEvent parses a verified event and throws on a bad one', () => {
    const t = 1_700_000_000;
    const event = constructEvent({
      payload: body,
      header: signatureHeader(secret, t, body),
      secret,
      nowSeconds: t,
    });
    expect(event.id).toBe('evt_1');
    expect(() =>
      constructEvent({ payload: body, header: `t=${t},v1=${'0'.repeat(64)}`, secret, nowSeconds: t }),
    ).toThrow(WebhookVerificationError);
  });
});

describe('merchant kit client', () => {
  it('sends the bearer key, JSON and an Idempotency-Key on POSTs, and maps error bodies', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      if (String(url).endsWith('/missing')) {
        return new Response(
          JSON.stringify({
            error: { type: 'not_found', code: 'checkout_not_found', message: 'no', request_id: 'req_1' },
          }),
          { status: 404 },
        );
      }
      return new Response(JSON.stringify({ id: 'chk_1', status: 'open' }), { status: 200 });
    }) as unknown as typeof fetch;
    const client = new FenqiClient({ apiKey: 'sk_test_abc', baseUrl: 'http://x/', fetch: fakeFetch });
    const created = await client.createCheckout(
      {
        out_trade_no: 'o1',
        amount: 100,
        currency: 'CNY',
        scene: 'dining',
        description: 'd',
        notify_url: 'http://n',
      },
      { idempotencyKey: 'k1' },
    );
    expect(created.id).toBe('chk_1');
    const headers = seen[0]!.init.headers as Record<string, string>;
    expect(seen[0]!.url).toBe('http://x/v1/merchant/checkouts');
    expect(headers.authorization).toBe('Bearer sk_test_abc');
    expect(headers['idempotency-key']).toBe('k1');
    await client.cancelCheckout('chk_1');
    expect((seen[1]!.init.headers as Record<string, string>)['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const error = await client.retrieveCheckout('missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FenqiApiError);
    expect(error).toMatchObject({ status: 404, code: 'checkout_not_found', requestId: 'req_1' });
    await client.listEvents({ limit: 5, starting_after: 'evt_9' });
    expect(seen.at(-1)!.url).toBe('http://x/v1/merchant/events?limit=5&starting_after=evt_9');
  });

  it('refuses a key that is not a secret key', () => {
    expect(() => new FenqiClient({ apiKey: 'pk_test_1', baseUrl: 'http://x' })).toThrow();
  });
});
