import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../errors';
import { canonicalJson, requestHash } from '../idempotency';
import { amountFen, findDuplicateKey, paramOf, parseJsonBody, validate } from '../parse';

describe('findDuplicateKey', () => {
  it('finds no duplicate in any JSON.stringify output (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => findDuplicateKey(JSON.stringify(v)) === undefined));
  });
  it('finds a duplicate injected at any depth (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue(), fc.nat(3), (k, v, depth) => {
        let text = `{${JSON.stringify(k)}:1,${JSON.stringify(k)}:${JSON.stringify(v)}}`;
        for (let d = 0; d < depth; d++) text = `{"outer${d}":[${text}]}`;
        return findDuplicateKey(text) === k;
      }),
    );
  });
  it('does not confuse equal keys in sibling objects or strings that look like keys', () => {
    expect(findDuplicateKey('{"a":{"x":1},"b":{"x":2}}')).toBeUndefined();
    expect(findDuplicateKey('{"a":"\\"a\\":1","b":["a","a"]}')).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  const ok = (s: string) => parseJsonBody(Buffer.from(s), 'application/json');
  it.each([
    ['{', 'invalid_json'],
    ['[]', 'invalid_json'],
    ['null', 'invalid_json'],
    ['{"a":1,"a":2}', 'duplicate_field'],
  ])('%s → %s', (text, code) => {
    expect(() => ok(text)).toThrowError(expect.objectContaining({ code }) as unknown as Error);
  });
  it('accepts an empty body as {} and refuses non-JSON media types', () => {
    expect(parseJsonBody(Buffer.alloc(0), undefined)).toEqual({});
    expect(() => parseJsonBody(Buffer.from('{}'), 'text/plain')).toThrow(ApiError);
    expect(parseJsonBody(Buffer.from('{"a":1}'), 'application/json; charset=utf-8')).toEqual({ a: 1 });
  });
});

describe('amountFen', () => {
  const schema = z.strictObject({ amount: amountFen() });
  it('accepts exactly the positive safe integers up to the cap (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean()), (v) => {
        const accepted = schema.safeParse({ amount: v }).success;
        const expected = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000_000_000_000;
        return accepted === expected;
      }),
    );
  });
  it('names the field in the error', () => {
    try {
      validate(schema, { amount: -1 }, 'body');
      throw new Error('no error');
    } catch (err) {
      expect(err).toMatchObject({ code: 'value_out_of_range', param: 'amount', status: 400 });
    }
  });
});

describe('paramOf and request hashing', () => {
  it('spells nested params', () => {
    expect(paramOf(['answers', 0, 'option_id'])).toBe('answers[0].option_id');
    expect(paramOf([])).toBeUndefined();
  });
  it('hashes the same request the same way whatever its key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        const a = requestHash({ method: 'POST', routePath: '/v1/x', params: {}, body: obj });
        const b = requestHash({ method: 'POST', routePath: '/v1/x', params: {}, body: reversed });
        return a === b && canonicalJson(obj) === canonicalJson(reversed);
      }),
    );
    expect(requestHash({ method: 'POST', routePath: '/v1/x', params: {}, body: { a: 1 } })).not.toBe(
      requestHash({ method: 'POST', routePath: '/v1/y', params: {}, body: { a: 1 } }),
    );
  });
});
