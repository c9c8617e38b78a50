import Taro from '@tarojs/taro';
import { beforeEach, describe, expect, it, type Mock } from 'vitest';
import { resetStorage } from '../../../test-support/taro';
import { ApiError, call } from '../client';
import { IdempotencyKeys } from '../idempotency';

type Req = { url: string; method: string; header: Record<string, string>; data?: string };
// The vitest alias swaps in test-support/taro.ts, whose request is a plain vi.fn.
const request = Taro.request as unknown as Mock<(options: unknown) => Promise<unknown>>;
const ok = (data: unknown, statusCode = 200) => ({ statusCode, data, header: {} });
const fail = (statusCode: number, type: string, code: string) => ({
  statusCode,
  data: { error: { type, code, message: code, request_id: 'req_9' } },
  header: {},
});
const calls = () => request.mock.calls.map(([options]) => options as unknown as Req);
const session = { token: 'tok_1', expires_at: '2999-01-01T00:00:00Z', user: { id: 'usr_1' } };

beforeEach(() => {
  request.mockReset();
  resetStorage();
  window.history.replaceState(null, '', '/?user=alice#/pages/index/index');
});

describe('call', () => {
  it('logs in with a dev code named after ?user= and sends the bearer token', async () => {
    request.mockResolvedValueOnce(ok(session)).mockResolvedValueOnce(ok({ id: 'usr_1' }));
    await expect(call('GET', '/v1/me')).resolves.toEqual({ id: 'usr_1' });
    const [loginCall, meCall] = calls();
    expect(loginCall?.url).toBe('/v1/auth/session');
    expect(JSON.parse(loginCall?.data ?? '{}')).toEqual({ code: 'dev:alice' });
    expect(meCall?.header.authorization).toBe('Bearer tok_1');
  });

  it('retries a POST after a 503 and a network failure with the same Idempotency-Key', async () => {
    request
      .mockResolvedValueOnce(ok(session))
      .mockResolvedValueOnce(fail(503, 'api_error', 'unavailable'))
      .mockRejectedValueOnce(new Error('timeout'))
      .mockResolvedValueOnce(ok({ id: 'loan_1' }, 201));
    await expect(call('POST', '/v1/loans', { body: { principal_amount: 100000 } })).resolves.toEqual({
      id: 'loan_1',
    });
    const posts = calls().filter((c) => c.url === '/v1/loans');
    expect(posts).toHaveLength(3);
    const keys = new Set(posts.map((c) => c.header['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^mp_/);
  });

  it('does not retry a business refusal and throws it typed', async () => {
    request
      .mockResolvedValueOnce(ok(session))
      .mockResolvedValueOnce(fail(422, 'business_rule', 'credit_limit_exceeded'));
    const error = await call('POST', '/v1/loans', { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      kind: 'business_rule',
      code: 'credit_limit_exceeded',
      status: 422,
      requestId: 'req_9',
    });
    expect(calls().filter((c) => c.url === '/v1/loans')).toHaveLength(1);
  });

  it('logs in again once on a 401 and repeats the request', async () => {
    request
      .mockResolvedValueOnce(ok(session))
      .mockResolvedValueOnce(fail(401, 'authentication', 'session_expired'))
      .mockResolvedValueOnce(ok({ ...session, token: 'tok_2' }))
      .mockResolvedValueOnce(ok({ id: 'usr_1' }));
    await expect(call('GET', '/v1/me')).resolves.toEqual({ id: 'usr_1' });
    expect(calls().at(-1)?.header.authorization).toBe('Bearer tok_2');
  });
});

describe('IdempotencyKeys', () => {
  it('reuses the key for the same action and body until it is settled', () => {
    const keys = new IdempotencyKeys();
    const first = keys.keyFor('borrow', { amount: 1 });
    expect(keys.keyFor('borrow', { amount: 1 })).toBe(first);
    expect(keys.keyFor('repay', { amount: 1 })).not.toBe(first);
    const changed = keys.keyFor('borrow', { amount: 2 });
    expect(changed).not.toBe(first);
    keys.settle('borrow');
    expect(keys.keyFor('borrow', { amount: 2 })).not.toBe(changed);
  });
});
