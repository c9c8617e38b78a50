/**
 * For every borrower endpoint with a body: a few hundred malformed requests (wrong types,
 * missing and unknown fields, negative / fractional / huge amounts, broken JSON, non-object
 * JSON, duplicate keys, oversize, random objects) → only 4xx, with the offending `param` when
 * one field is at fault, and the database unchanged.
 */
import { schema } from '@fenqi/db';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, borrow, correctAnswers, key, onboard } from './flows';
import { client, dbKinds, type Harness, startHarness } from './harness';

type Kind = 'string' | 'int' | 'bool' | 'enum' | 'array' | 'object' | 'datetime';

/** Values that violate each field kind's schema. `raw:` values are spliced into the JSON text. */
const WRONG: Record<Kind, unknown[]> = {
  string: [null, true, 1.5, -1, 0, [], {}, 'raw:1e21'],
  int: [
    null,
    true,
    'x',
    '1',
    '',
    1.5,
    -1,
    0.1,
    -0.5,
    1e21,
    'raw:12345678901234567890123',
    'raw:1e400',
    'raw:-0.0000001',
    [],
    {},
    [1],
  ],
  bool: [null, 'true', 1, 0, [], {}],
  enum: ['not_a_value', '', 1, null, true, [], {}],
  array: ['x', {}, null, 1, true],
  object: ['x', [], null, 1, true],
  datetime: ['yesterday', '2026-13-01T00:00:00Z', 1, null, '', []],
};

interface FieldSpec {
  path: (string | number)[];
  kind: Kind;
  required: boolean;
}

interface Endpoint {
  method: string;
  path: string;
  valid: Record<string, unknown>;
  fields: FieldSpec[];
  idempotent?: boolean;
}

const BROKEN_JSON = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":01}',
  'nul',
  '{"a":1}}',
  '\u0000',
  '{"a":"\\x"}',
  '{"a":NaN}',
  '[1,2',
  '{"a":1 "b":2}',
];
const NON_OBJECT = ['[]', '[{}]', '1', '"text"', 'null', 'true'];

function setPath(
  obj: Record<string, unknown>,
  path: (string | number)[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(obj);
  let cur: any = copy;
  for (const p of path.slice(0, -1)) cur = cur[p];
  const last = path.at(-1) as string | number;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

function paramOf(path: (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** JSON text of `body` with `raw:` placeholders replaced by raw number text. */
function toJson(body: unknown): string {
  return JSON.stringify(body).replace(/"raw:([^"]*)"/g, '$1');
}

describe.each(dbKinds())('malformed bodies on %s', (kind) => {
  let h: Harness;
  let api: Api;
  let token: string;
  let loanId: string;
  let endpoints: Endpoint[];

  async function snapshot(): Promise<string> {
    const tables = [
      schema.users,
      schema.creditLines,
      schema.loans,
      schema.installments,
      schema.repayments,
      schema.repaymentAllocations,
      schema.ledgerPostings,
      schema.ledgerTransactions,
      schema.idempotencyRecords,
      schema.temporaryIncreases,
      schema.consents,
      schema.authorizations,
      schema.educationAttempts,
      schema.graceUsages,
      schema.loginAttempts,
      schema.serviceClock,
      schema.pendingLimitRestorations,
    ];
    const counts = [];
    for (const t of tables) {
      const [r] = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(t);
      counts.push(Number(r?.n));
    }
    const lines = await h.database.db.select().from(schema.creditLines);
    const users = await h.database.db.select().from(schema.users);
    const clock = await h.database.db.select().from(schema.serviceClock);
    const rows = await h.database.db.select().from(schema.installments);
    return JSON.stringify({ counts, lines, users, clock, rows }, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
  }

  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
    ({ token } = await onboard(api, 'fuzz-a', 2_000_000));
    loanId = (
      await borrow(api, token, {
        product: 'cash_loan',
        principal_amount: 300_000,
        term_months: 3,
        method: 'equal_installment',
      })
    ).id;
    const loanFields: FieldSpec[] = [
      { path: ['product'], kind: 'enum', required: true },
      { path: ['principal_amount'], kind: 'int', required: true },
      { path: ['term_months'], kind: 'int', required: false },
      { path: ['method'], kind: 'enum', required: true },
    ];
    endpoints = [
      {
        method: 'POST',
        path: '/v1/auth/session',
        valid: { code: 'dev:fuzz' },
        fields: [{ path: ['code'], kind: 'string', required: true }],
      },
      {
        method: 'POST',
        path: '/v1/credit/applications',
        valid: { monthly_income: 1_000_000, consents: ['privacy_policy'] },
        fields: [
          { path: ['monthly_income'], kind: 'int', required: true },
          { path: ['consents'], kind: 'array', required: true },
          { path: ['consents', 0], kind: 'enum', required: true },
        ],
      },
      {
        method: 'POST',
        path: '/v1/credit/temporary-increases',
        valid: { amount: 100_000, proof: { type: 'payslip', reference: 'doc_1' } },
        fields: [
          { path: ['amount'], kind: 'int', required: false },
          { path: ['proof'], kind: 'object', required: true },
          { path: ['proof', 'type'], kind: 'enum', required: true },
          { path: ['proof', 'reference'], kind: 'string', required: true },
        ],
      },
      {
        method: 'POST',
        path: '/v1/quotes',
        valid: {
          product: 'cash_loan',
          principal_amount: 100_000,
          term_months: 3,
          method: 'equal_installment',
        },
        fields: loanFields,
      },
      {
        method: 'POST',
        path: '/v1/loans',
        idempotent: true,
        valid: {
          product: 'cash_loan',
          principal_amount: 100_000,
          term_months: 3,
          method: 'equal_installment',
        },
        fields: loanFields.map((f) => ({ ...f, required: false })),
      },
      {
        method: 'POST',
        path: `/v1/loans/${loanId}/repayments`,
        idempotent: true,
        valid: { amount: 1000 },
        fields: [{ path: ['amount'], kind: 'int', required: true }],
      },
      {
        method: 'POST',
        path: `/v1/loans/${loanId}/grace`,
        valid: { days: 2 },
        fields: [{ path: ['days'], kind: 'int', required: false }],
      },
      { method: 'POST', path: `/v1/loans/${loanId}/cancel`, idempotent: true, valid: {}, fields: [] },
      {
        method: 'POST',
        path: '/v1/education/quiz',
        valid: { answers: correctAnswers() },
        fields: [
          { path: ['answers'], kind: 'array', required: true },
          { path: ['answers', 0], kind: 'object', required: true },
          { path: ['answers', 0, 'question_id'], kind: 'string', required: true },
          { path: ['answers', 0, 'option_id'], kind: 'string', required: true },
        ],
      },
      {
        method: 'PUT',
        path: '/v1/authorizations/location',
        valid: { granted: true },
        fields: [{ path: ['granted'], kind: 'bool', required: true }],
      },
      {
        method: 'POST',
        path: '/v1/test/clock',
        valid: { now: '2030-01-01T00:00:00Z' },
        fields: [{ path: ['now'], kind: 'datetime', required: true }],
      },
    ];
  });
  afterAll(async () => h?.close());

  it('answers every malformed body with a 4xx, the right param, and no write', async () => {
    const before = await snapshot();
    let sent = 0;
    for (const ep of endpoints) {
      const cases: { raw: string; param?: string; contentType?: string }[] = [];
      for (const f of ep.fields) {
        for (const v of WRONG[f.kind])
          cases.push({ raw: toJson(setPath(ep.valid, f.path, v)), param: paramOf(f.path) });
        if (f.required)
          cases.push({ raw: toJson(setPath(ep.valid, f.path, undefined)), param: paramOf(f.path) });
        if (f.kind === 'object')
          cases.push({
            raw: toJson(setPath(ep.valid, [...f.path, 'zz_extra'], 1)),
            param: paramOf([...f.path, 'zz_extra']),
          });
      }
      cases.push({ raw: toJson({ ...ep.valid, zz_unknown: 1 }), param: 'zz_unknown' });
      cases.push({ raw: toJson({ ...ep.valid, __proto__x: { admin: true } }), param: '__proto__x' });
      for (const b of [...BROKEN_JSON, ...NON_OBJECT]) cases.push({ raw: b });
      const first = Object.keys(ep.valid)[0];
      if (first)
        cases.push({
          raw: `{"${first}":${JSON.stringify(ep.valid[first])},"${first}":${JSON.stringify(ep.valid[first])}}`,
          param: first,
        });
      cases.push({ raw: JSON.stringify({ ...ep.valid, pad: 'x'.repeat(70_000) }) });
      cases.push({
        raw: toJson(ep.valid).replace(
          /^\{/,
          Object.keys(ep.valid).length ? '{"x":"\\ud800",' : '{"x":"\\ud800"',
        ),
        param: 'x',
      });
      cases.push({ raw: 'a=1', contentType: 'text/plain' });
      // Random objects: never valid here (their keys are not the schema's).
      for (const obj of fc.sample(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in ep.valid) && k !== '__proto__'),
          fc.jsonValue(),
          { minKeys: 1, maxKeys: 4 },
        ),
        { numRuns: 150, seed: 42 },
      )) {
        cases.push({ raw: JSON.stringify({ ...ep.valid, ...obj }) });
      }
      for (const c of cases) {
        const r = await api.call(ep.method, ep.path, undefined, {
          raw: c.raw,
          token,
          ...(ep.idempotent ? { idempotencyKey: key() } : {}),
          ...(c.contentType ? { headers: { 'content-type': c.contentType } } : {}),
        });
        sent++;
        const where = `${ep.method} ${ep.path} ${c.raw.slice(0, 80)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
        expect(r.status >= 400 && r.status < 500, where).toBe(true);
        expect(r.body?.error?.type, where).toBeDefined();
        if (c.param !== undefined) expect(r.body.error.param, where).toBe(c.param);
      }
    }
    expect(sent).toBeGreaterThan(1500);
    expect(await snapshot()).toBe(before);
  });
});
