import { newId, schema } from '@fenqi/db';
import { ApiError, defineRoute } from '@fenqi/functions';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { client, dbKinds, type Harness, startHarness } from './harness';

// A money-moving test route whose effect is one outbox row of type `test.echo`, so the test
// counts committed effects in the database itself.
const echo = defineRoute({
  method: 'POST',
  path: '/v1/_test/echo/:id',
  operationId: 'testEcho',
  summary: 'test',
  auth: 'none',
  idempotent: 'required',
  body: z.strictObject({
    amount: z.int().min(1).max(1_000_000_000_000),
    note: z.string().max(10).optional(),
  }),
  async handler({ body, params, transaction }) {
    const id = newId('evt');
    await transaction(async (tx) => {
      await tx
        .insert(schema.outboxEvents)
        .values({ id, type: 'test.echo', payload: { amount: body.amount } });
    });
    if (body.amount === 13) throw new ApiError('business_rule', 'unlucky_amount', 'no', 'amount');
    return { status: 201, body: { id: params.id, amount: body.amount, event: id } };
  },
});

const boom = defineRoute({
  method: 'GET',
  path: '/v1/_test/boom',
  operationId: 'testBoom',
  summary: 'test',
  auth: 'none',
  async handler() {
    throw new Error('secret detail: phone 13800000000');
  },
});

describe.each(dbKinds())('HTTP core on %s', (kind) => {
  let h: Harness;
  let api: ReturnType<typeof client>;
  const logs: Record<string, unknown>[] = [];
  beforeAll(async () => {
    h = await startHarness(kind, { deps: { extraRoutes: [echo, boom], log: (e) => logs.push(e) } });
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());
  const effects = async () => {
    const rows = await h.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.outboxEvents)
      .where(eq(schema.outboxEvents.type, 'test.echo'));
    return Number(rows[0]?.n);
  };

  it('health reports the driver and every response carries X-Request-Id', async () => {
    const r = await api.get('/v1/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, database: h.database.driver });
    expect(r.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    const nf = await api.get('/v1/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.error).toMatchObject({
      type: 'not_found',
      code: 'route_not_found',
      request_id: nf.headers.get('x-request-id'),
    });
  });

  it('maps parse failures to 4xx with the offending param', async () => {
    const cases: [string | Buffer, number, string, string | undefined][] = [
      ['{"amount": 1,', 400, 'invalid_json', undefined],
      ['[1]', 400, 'invalid_json', undefined],
      ['{"amount": "1"}', 400, 'invalid_type', 'amount'],
      ['{"amount": 1.5}', 400, 'invalid_type', 'amount'],
      ['{"amount": -1}', 400, 'value_out_of_range', 'amount'],
      ['{"amount": 1e300}', 400, 'value_out_of_range', 'amount'],
      ['{}', 400, 'missing_field', 'amount'],
      ['{"amount": 1, "x": 2}', 400, 'unknown_field', 'x'],
      ['{"amount": 1, "amount": 2}', 400, 'duplicate_field', 'amount'],
      [Buffer.from([0x7b, 0xff, 0x7d]), 400, 'invalid_json', undefined],
      [`{"note":"${'a'.repeat(70_000)}"}`, 413, 'body_too_large', undefined],
    ];
    for (const [raw, status, code, param] of cases) {
      const r = await api.call('POST', '/v1/_test/echo/x_1', undefined, { raw, idempotencyKey: 'k-parse' });
      expect(
        { status: r.status, code: r.body?.error?.code, param: r.body?.error?.param },
        String(raw).slice(0, 40),
      ).toEqual({ status, code, param });
    }
    expect(await effects()).toBe(0);
  });

  it('requires an idempotency key and replays the stored response without a second effect', async () => {
    const missing = await api.post('/v1/_test/echo/x_1', { amount: 5 });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'idempotency_key_required', param: 'Idempotency-Key' });

    const before = await effects();
    const first = await api.post('/v1/_test/echo/x_1', { amount: 5 }, { idempotencyKey: 'k1' });
    expect(first.status).toBe(201);
    const again = await api.post('/v1/_test/echo/x_1', { amount: 5 }, { idempotencyKey: 'k1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await effects()).toBe(before + 1);

    const reused = await api.post('/v1/_test/echo/x_1', { amount: 6 }, { idempotencyKey: 'k1' });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ type: 'idempotency', code: 'idempotency_key_reused' });

    // A failed request leaves no record: the retry runs again.
    const failed = await api.post('/v1/_test/echo/x_1', { amount: 13 }, { idempotencyKey: 'k2' });
    expect(failed.status).toBe(422);
    const failedAgain = await api.post('/v1/_test/echo/x_1', { amount: 13 }, { idempotencyKey: 'k2' });
    expect(failedAgain.status).toBe(422);
    expect(failedAgain.headers.get('idempotent-replayed')).toBeNull();
  });

  it('gives one effect for 20 concurrent requests with the same key', async () => {
    const before = await effects();
    const rs = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post('/v1/_test/echo/x_2', { amount: 7 }, { idempotencyKey: 'k-conc' }),
      ),
    );
    const ok = rs.filter((r) => r.status === 201);
    const busy = rs.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(20);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of busy) expect(r.body.error.code).toBe('idempotency_in_progress');
    expect(new Set(ok.map((r) => r.body.event)).size).toBe(1);
    expect(await effects()).toBe(before + 1);
  });

  it('turns an unexpected error into a generic 500 with the request id, logged without the request body', async () => {
    const r = await api.get('/v1/_test/boom');
    expect(r.status).toBe(500);
    expect(r.body.error).toMatchObject({
      type: 'api_error',
      code: 'internal_error',
      request_id: r.headers.get('x-request-id'),
    });
    expect(JSON.stringify(r.body)).not.toContain('13800000000');
    const line = logs.find((l) => l.request_id === r.headers.get('x-request-id') && l.msg === 'request');
    expect(line).toMatchObject({ status: 500, route: '/v1/_test/boom', error_code: 'internal_error' });
    // One request line per request, and none of them carries a body, token or address.
    const text = JSON.stringify(logs.filter((l) => l.msg === 'request'));
    expect(text).not.toMatch(/Bearer|fq1\.|127\.0\.0\.1|dev:/);
  });

  it('serves an OpenAPI 3.1 document that lists every route', async () => {
    const r = await api.get('/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.paths['/v1/health'].get.operationId).toBe('getHealth');
    expect(r.body.paths['/v1/_test/echo/{id}'].post.requestBody).toBeDefined();
  });
});
