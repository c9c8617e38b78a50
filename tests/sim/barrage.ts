/**
 * Malformed-input barrage (issue 9): reads `GET /v1/openapi.json` and, for every operation,
 * sends seeded generated bad requests — wrong types, out-of-range and huge/negative/fractional
 * amounts, missing and extra fields, broken JSON and encodings, oversize bodies, bad
 * Idempotency-Keys, missing/garbage/expired/wrong-kind credentials, other users' ids.
 * Every answer must be a 4xx with the contract's error shape — never a 5xx, never a 2xx —
 * and the database snapshot (row counts of every table, ledger balance of every account)
 * must not change across an operation's cases.
 */
import {
  type Actor,
  errorCode,
  field,
  HttpClient,
  isObject,
  type Json,
  newLogSink,
  type SimRequest,
  type SimResponse,
} from './client';
import { type InvariantChecker, openInvariantChecker, type Snapshot, snapshotDiff } from './invariants';
import { createDatabase, databaseUrl, dropDatabase, pgServerFromEnv, scratchName } from './pg-admin';
import { Prng } from './prng';
import { freePort, ServerProcess } from './server-process';

export interface BarrageOptions {
  seed: number;
  /** Total malformed requests to send (spread over every operation). */
  requests: number;
  concurrency: number;
  quiet: boolean;
}

export interface BarrageFailure {
  operation: string;
  caseName: string;
  status: number;
  detail: string;
}

export interface BarrageResult {
  ok: boolean;
  sent: number;
  operations: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  /** `METHOD path` → status → count (coverage: which validation layer answered). */
  byOperation: Record<string, Record<string, number>>;
  failures: BarrageFailure[];
  /** Counts per failure kind: server_error, accepted, error_shape, snapshot_changed, no_answer. */
  failureCounts: Record<string, number>;
  snapshotChanges: string[];
  elapsedMs: number;
}

interface Operation {
  method: SimRequest['method'];
  path: string;
  operationId: string;
  auth: 'none' | 'session' | 'merchantKey' | 'cronSecret';
  pathParams: string[];
  query: Array<{ name: string; schema: Json }>;
  idempotency: 'required' | 'optional' | 'none';
  body?: Json;
}

interface Fixtures {
  user: Actor;
  other: Actor;
  merchant?: Actor;
  expiredToken?: string;
  /** Real ids for path params, owned by `other` (so `user` must get 404/403). */
  otherIds: Record<string, string>;
  ownIds: Record<string, string>;
}

interface Case {
  category: string;
  name: string;
  req: SimRequest;
  /** 2xx acceptable (e.g. auth-free reads with a stray credential). */
  okAllowed?: boolean;
}

/** Tables a rejected request may legitimately write to (security logging); reported, not failed. */
/**
 * Operations that accept unknown fields on purpose: the demo merchant's webhook receiver must
 * take events with fields added later (as Stripe-style receivers do).
 */
export const LENIENT_EXTRA_FIELDS: ReadonlySet<string> = new Set(['receiveDemoWebhook']);

export const LOGGING_TABLES: ReadonlySet<string> = new Set(['login_attempts', 'risk_events', 'audit_log']);

export async function runBarrage(options: BarrageOptions): Promise<BarrageResult> {
  const log = options.quiet ? () => {} : (line: string) => process.stdout.write(`${line}\n`);
  const startedMs = performance.now();
  const pg = pgServerFromEnv();
  const dbName = scratchName('fenqi_barrage', `s${options.seed}`);
  createDatabase(pg, dbName);
  // CRON_SECRET set as in production, so the cron routes' authentication is exercised too.
  const server = new ServerProcess({
    databaseUrl: databaseUrl(pg, dbName),
    port: await freePort(),
    // No background outbox loop: its retries would change the snapshot between cases.
    env: { CRON_SECRET: 'barrage-cron-secret-0123456789abcdef', SIM_WORKER: 'off' },
  });
  let checker: InvariantChecker | undefined;
  try {
    const ready = await server.start();
    checker = await openInvariantChecker(databaseUrl(pg, dbName));
    const client = new HttpClient(server.url, newLogSink(1000));
    const spec = (await client.send({ method: 'GET', path: '/v1/openapi.json' })).body;
    const operations = readOperations(spec);
    log(
      `barrage: ${operations.length} operations in the OpenAPI document, target ${options.requests} requests`,
    );
    const fixtures = await makeFixtures(client, ready.seed);
    const prng = new Prng(options.seed);
    const result: BarrageResult = {
      ok: true,
      sent: 0,
      operations: operations.length,
      byStatus: {},
      byCategory: {},
      byOperation: {},
      failures: [],
      failureCounts: {},
      snapshotChanges: [],
      elapsedMs: 0,
    };
    const fail = (f: BarrageFailure, kind: string) => {
      result.failureCounts[kind] = (result.failureCounts[kind] ?? 0) + 1;
      if (result.failures.length < 200) result.failures.push(f);
    };
    const perOp = Math.max(10, Math.ceil(options.requests / Math.max(1, operations.length)));
    for (const op of operations) {
      const cases = generateCases(op, fixtures, prng, perOp);
      const before: Snapshot = await checker.snapshot();
      let index = 0;
      const worker = async () => {
        while (index < cases.length) {
          const c = cases[index++]!;
          const res = await client.send(c.req);
          result.sent += 1;
          result.byStatus[String(res.status)] = (result.byStatus[String(res.status)] ?? 0) + 1;
          result.byCategory[c.category] = (result.byCategory[c.category] ?? 0) + 1;
          const opKey = `${op.method} ${op.path}`;
          const perOp = result.byOperation[opKey] ?? {};
          result.byOperation[opKey] = perOp;
          perOp[String(res.status)] = (perOp[String(res.status)] ?? 0) + 1;
          const label = `${op.method} ${op.path}`;
          if (res.status === 0)
            fail(
              { operation: label, caseName: c.name, status: 0, detail: res.networkError ?? '' },
              'no_answer',
            );
          else if (res.status >= 500)
            fail(
              { operation: label, caseName: c.name, status: res.status, detail: res.text.slice(0, 300) },
              'server_error',
            );
          else if (res.status < 400 && !c.okAllowed)
            fail(
              { operation: label, caseName: c.name, status: res.status, detail: res.text.slice(0, 200) },
              'accepted',
            );
          else if (res.status >= 400 && !errorShapeOk(res))
            fail(
              { operation: label, caseName: c.name, status: res.status, detail: res.text.slice(0, 200) },
              'error_shape',
            );
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      const after = await checker.snapshot();
      const diff = snapshotDiff(before, after, LOGGING_TABLES);
      if (diff.length > 0) {
        fail(
          {
            operation: `${op.method} ${op.path}`,
            caseName: '(all cases)',
            status: 0,
            detail: diff.join('; '),
          },
          'snapshot_changed',
        );
        result.snapshotChanges.push(`${op.method} ${op.path}: ${diff.join('; ')}`);
      }
      const logged = snapshotDiff(before, after).filter((d) =>
        [...LOGGING_TABLES].some((t) => d.startsWith(`${t}:`)),
      );
      if (logged.length > 0)
        log(`barrage: note ${op.method} ${op.path} wrote security logs: ${logged.join('; ')}`);
    }
    const invariants = await checker.check();
    for (const v of invariants)
      fail({ operation: '(database)', caseName: 'invariants', status: 0, detail: v }, 'invariant');
    result.ok = Object.keys(result.failureCounts).length === 0;
    result.elapsedMs = Math.round(performance.now() - startedMs);
    return result;
  } finally {
    await server.stop().catch(() => {});
    await checker?.close().catch(() => {});
    dropDatabase(pg, dbName);
  }
}

function errorShapeOk(res: SimResponse): boolean {
  const error = field(res.body, 'error');
  return (
    isObject(error) &&
    typeof error.type === 'string' &&
    typeof error.code === 'string' &&
    typeof error.message === 'string' &&
    typeof error.request_id === 'string'
  );
}

// ── reading the OpenAPI document ───────────────────────────────────────────────────────

export function readOperations(spec: unknown): Operation[] {
  const paths = field<Record<string, Record<string, Json>>>(spec, 'paths') ?? {};
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (field<Json[]>(op, 'parameters') ?? []) as Json[];
      const security = (field<Json[]>(op, 'security') ?? []) as Json[];
      const scheme = security[0] ? (Object.keys(security[0])[0] as Operation['auth']) : 'none';
      const idem = params.find(
        (p) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key',
      );
      const body = field<Json>(
        field(field(field(op, 'requestBody'), 'content'), 'application/json'),
        'schema',
      );
      ops.push({
        method: method.toUpperCase() as SimRequest['method'],
        path,
        operationId: String(field(op, 'operationId') ?? `${method} ${path}`),
        auth: scheme ?? 'none',
        pathParams: params.filter((p) => p.in === 'path').map((p) => String(p.name)),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: String(p.name), schema: (p.schema ?? {}) as Json })),
        idempotency: idem ? (idem.required ? 'required' : 'optional') : 'none',
        ...(body ? { body } : {}),
      });
    }
  }
  return ops.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

// ── fixtures: two users with real objects, the merchant, an expired token ───────────────

async function makeFixtures(client: HttpClient, seed: unknown): Promise<Fixtures> {
  const login = async (name: string): Promise<Actor> => {
    const res = await client.send({
      method: 'POST',
      path: '/v1/auth/session',
      body: { code: `dev:barrage_${name}` },
    });
    return { name, token: field<string>(res.body, 'token') ?? 'no-session' };
  };
  const user = await login('alice');
  const other = await login('bob');
  const merchantSeed = field(seed, 'merchant');
  const key = field<string>(merchantSeed, 'apiKey') ?? field<string>(merchantSeed, 'api_key');
  const merchant: Actor | undefined = key ? { name: 'merchant', token: key } : undefined;
  const otherIds: Record<string, string> = {};
  const ownIds: Record<string, string> = {};
  // Give both users a line and a loan where the API allows it (best effort: ids for path params).
  for (const [actor, ids] of [
    [other, otherIds],
    [user, ownIds],
  ] as const) {
    await client.send({
      method: 'POST',
      path: '/v1/credit/applications',
      actor,
      idempotencyKey: `barrage-apply-${actor.name}`,
      body: {
        monthly_income: 3_000_000,
        consents: ['privacy_policy', 'credit_assessment', 'identity_verification'],
      },
    });
    const quiz = await client.send({ method: 'GET', path: '/v1/education/quiz', actor });
    const questions = field<Json[]>(quiz.body, 'questions') ?? [];
    const first = await client.send({
      method: 'POST',
      path: '/v1/education/quiz',
      actor,
      idempotencyKey: `barrage-quiz1-${actor.name}`,
      body: {
        answers: questions.map((q) => ({
          question_id: q.id,
          option_id: field(field<Json[]>(q, 'options')?.[0], 'id'),
        })),
      },
    });
    const results = field<Json[]>(first.body, 'results') ?? [];
    await client.send({
      method: 'POST',
      path: '/v1/education/quiz',
      actor,
      idempotencyKey: `barrage-quiz2-${actor.name}`,
      body: { answers: results.map((r) => ({ question_id: r.question_id, option_id: r.correct_option_id })) },
    });
    const loan = await client.send({
      method: 'POST',
      path: '/v1/loans',
      actor,
      idempotencyKey: `barrage-loan-${actor.name}`,
      body: { product: 'cash_loan', principal_amount: 100_000, term_months: 3, method: 'equal_installment' },
    });
    const loanId = field<string>(loan.body, 'id');
    if (loanId) ids.id = loanId;
  }
  if (merchant) {
    const chk = await client.send({
      method: 'POST',
      path: '/v1/merchant/checkouts',
      actor: merchant,
      idempotencyKey: 'barrage-chk',
      body: {
        out_trade_no: 'barrage-1',
        amount: 100_000,
        currency: 'CNY',
        scene: 'dining',
        description: 'barrage',
        notify_url: 'http://127.0.0.1:9/hooks',
      },
    });
    const token = field<string>(chk.body, 'token');
    if (token) otherIds.token = token;
    const id = field<string>(chk.body, 'id');
    if (id) otherIds.checkoutId = id;
  }
  // An expired session: move the service clock past the session lifetime, then log in again.
  const stale = await login('carol');
  const clock = await client.send({
    method: 'POST',
    path: '/v1/test/clock',
    body: { now: new Date(Date.now() + 40 * 24 * 3600 * 1000).toISOString() },
  });
  const fresh = clock.status === 200;
  return {
    user: fresh ? await login('alice') : user,
    other: fresh ? await login('bob') : other,
    ...(merchant ? { merchant } : {}),
    ...(fresh && stale.token !== 'no-session' ? { expiredToken: stale.token } : {}),
    otherIds,
    ownIds,
  };
}

// ── case generation ────────────────────────────────────────────────────────────────────

function credentialFor(op: Operation, f: Fixtures): Actor | undefined {
  if (op.auth === 'session') return f.user;
  if (op.auth === 'merchantKey') return f.merchant;
  return undefined;
}

function realPath(op: Operation, f: Fixtures, prng: Prng): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (name === 'token') return f.otherIds.token ?? `tok_${prng.token(16)}`;
    if (name === 'key') return 'location';
    if (name === 'checkout_id') return f.otherIds.checkoutId ?? `chk_${prng.token(16)}`;
    if (op.path.includes('/merchant/')) return f.otherIds.checkoutId ?? `chk_${prng.token(16)}`;
    if (op.path.includes('/loans/')) return f.ownIds.id ?? `loan_${prng.token(16)}`;
    return `${name}_${prng.token(12)}`;
  });
}

/** Path ids that must not resolve for this caller. */
const BAD_IDS = (prng: Prng, f: Fixtures): string[] => [
  f.otherIds.id ?? 'loan_doesnotexist',
  `loan_${prng.token(20)}`,
  `chk_${prng.token(20)}`,
  'x'.repeat(300),
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  encodeURIComponent("1' OR '1'='1"),
  encodeURIComponent('贷款'),
  '-1',
  '0',
];

/** A plausible body for the schema (the base that mutations break). */
export function exampleFor(schema: Json, prng: Prng, depth = 0, name = ''): unknown {
  if (depth > 6) return null;
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants && variants.length > 0) return exampleFor(variants[0]!, prng, depth + 1, name);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const out: Json = {};
      for (const [k, s] of Object.entries(props)) out[k] = exampleFor(s, prng, depth + 1, k);
      return out;
    }
    case 'array': {
      const min = Number(schema.minItems ?? 1);
      return Array.from({ length: Math.max(1, Math.min(min, 3)) }, () =>
        exampleFor((schema.items ?? {}) as Json, prng, depth + 1, name),
      );
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : 1;
      const max = typeof schema.maximum === 'number' ? schema.maximum : min + 100_000;
      if (name.endsWith('amount') || name === 'monthly_income') return Math.max(min, Math.min(max, 100_000));
      return Math.max(min, Math.min(max, min + 1));
    }
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'date-time') return new Date(Date.now() + 3600_000).toISOString();
      if (schema.format === 'uri' || name.endsWith('url')) return 'https://merchant.example/notify';
      if (schema.format === 'date') return '2030-01-01';
      const min = Number(schema.minLength ?? 1);
      return 'x'.repeat(Math.max(1, Math.min(min, 8)));
    }
    default:
      return 'x';
  }
}

function wrongTypeFor(schema: Json): unknown[] {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return ['100', true, [], {}, null];
    case 'string':
      return [12345, false, [], { a: 1 }, null];
    case 'boolean':
      return ['true', 1, null];
    case 'array':
      return [{}, 'x', 1, null];
    case 'object':
      return [[], 'x', 1, null];
    default:
      return [Symbol.for('undefined-marker')];
  }
}

const HUGE_NUMBER_TEXTS = [
  '1e21',
  '9007199254740993',
  '99999999999999999999999999',
  '-9223372036854775809',
  '1e400',
  '-1e400',
];

/** Invalid values for a numeric field (beyond the schema's bounds, negative, fractional, huge). */
function badNumbersFor(schema: Json): unknown[] {
  const out: unknown[] = [-1, -100_000, 1.5, 0.01, 100_000.5];
  if (typeof schema.maximum === 'number') out.push(schema.maximum + 1);
  if (typeof schema.minimum === 'number' && schema.minimum > 0) out.push(schema.minimum - 1);
  if (typeof schema.exclusiveMinimum === 'number') out.push(schema.exclusiveMinimum);
  out.push(Number.MAX_SAFE_INTEGER + 2, 1e300);
  return out;
}

function badStringsFor(schema: Json): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(schema.enum) || schema.const !== undefined) out.push('not_a_member', 'CASH_LOAN ', '');
  if (typeof schema.maxLength === 'number') out.push('y'.repeat(schema.maxLength + 1));
  if (typeof schema.minLength === 'number' && schema.minLength > 0) out.push('');
  if (schema.format === 'date-time') out.push('2026-13-45T99:99:99Z', 'yesterday', '0');
  if (schema.format === 'uri') out.push('not a url', 'javascript:alert(1)');
  if (schema.pattern) out.push('\u0000\u0001', '<script>');
  return out;
}

function generateCases(op: Operation, f: Fixtures, prng: Prng, budget: number): Case[] {
  const cases: Case[] = [];
  const actor = credentialFor(op, f);
  const key = () => `barrage-${prng.token(16)}`;
  const idemHeader = op.idempotency !== 'none';
  const base = (over: Partial<SimRequest> = {}): SimRequest => ({
    method: op.method,
    path: realPath(op, f, prng),
    ...(actor ? { actor } : {}),
    ...(idemHeader ? { idempotencyKey: key() } : {}),
    ...(op.body ? { body: exampleFor(op.body, prng) } : {}),
    ...over,
  });
  const authFree = op.auth === 'none';

  // 1. credentials
  if (!authFree) {
    cases.push({
      category: 'auth',
      name: 'no credentials',
      req: { ...base(), actor: undefined } as SimRequest,
    });
    cases.push({
      category: 'auth',
      name: 'garbage bearer',
      req: base({ actor: { name: 'x', token: prng.token(40) } }),
    });
    cases.push({
      category: 'auth',
      name: 'empty bearer',
      req: base({ actor: undefined, headers: { authorization: 'Bearer ' } }),
    });
    cases.push({
      category: 'auth',
      name: 'basic scheme',
      req: base({ actor: undefined, headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    });
    cases.push({
      category: 'auth',
      name: 'unknown live key',
      req: base({ actor: { name: 'x', token: `sk_live_${prng.token(32)}` } }),
    });
    cases.push({
      category: 'auth',
      name: 'unknown test key',
      req: base({ actor: { name: 'x', token: `sk_test_${prng.token(32)}` } }),
    });
    if (f.user.token) {
      cases.push({
        category: 'auth',
        name: 'tampered session',
        req: base({ actor: { name: 'x', token: tamper(f.user.token, prng) } }),
      });
    }
    if (f.expiredToken)
      cases.push({
        category: 'auth',
        name: 'expired session',
        req: base({ actor: { name: 'carol', token: f.expiredToken } }),
      });
    if (op.auth === 'session' && f.merchant)
      cases.push({
        category: 'auth',
        name: 'merchant key on a user route',
        req: base({ actor: f.merchant }),
      });
    if (op.auth === 'merchantKey')
      cases.push({ category: 'auth', name: 'session on a merchant route', req: base({ actor: f.user }) });
  }
  // Routes that would act on a real object get only the credential cases above when the caller
  // is itself valid: a body-less POST (cancel, capture) with a valid caller is not malformed.

  // 2. path ids: other users' objects, garbage
  if (op.pathParams.length > 0) {
    for (const id of BAD_IDS(prng, f)) {
      const path = op.path.replace(/\{([^}]+)\}/, id).replace(/\{([^}]+)\}/g, () => `x_${prng.token(8)}`);
      cases.push({ category: 'path', name: `bad id ${id.slice(0, 24)}`, req: base({ path }) });
    }
  }

  // 3. query parameters
  for (const q of op.query) {
    const bad =
      q.schema.type === 'integer' || q.schema.type === 'number'
        ? ['-1', '0', '101', '1.5', 'abc', '1e309', '']
        : ['', 'x'.repeat(500), '%00'];
    for (const v of bad) {
      const path = `${realPath(op, f, prng)}?${encodeURIComponent(q.name)}=${encodeURIComponent(v)}`;
      cases.push({ category: 'query', name: `${q.name}=${v.slice(0, 12)}`, req: base({ path }) });
    }
  }

  // 4. idempotency key
  if (idemHeader) {
    cases.push({
      category: 'idempotency',
      name: 'key too long',
      req: base({ idempotencyKey: 'k'.repeat(256) }),
    });
    cases.push({ category: 'idempotency', name: 'empty key', req: base({ idempotencyKey: '' }) });
    cases.push({ category: 'idempotency', name: 'latin-1 key', req: base({ idempotencyKey: 'clé-é' }) });
  }

  // 5. bodies
  if (op.body) {
    const schema = op.body;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    const required = (schema.required ?? []) as string[];
    const example = exampleFor(schema, prng) as Json;
    // With no required field, `{}` or no body at all is a valid request: not generated.
    if (required.length > 0) {
      cases.push({ category: 'body', name: 'empty object', req: base({ body: {} }) });
      cases.push({ category: 'body', name: 'no body', req: base({ body: undefined }) });
    }
    for (const r of required) {
      const b = { ...example };
      delete b[r];
      cases.push({ category: 'body', name: `missing ${r}`, req: base({ body: b }) });
    }
    for (const [k, s] of Object.entries(props)) {
      for (const v of wrongTypeFor(s)) {
        if (typeof v === 'symbol') continue;
        if (v === null && Array.isArray(s.type) && s.type.includes('null')) continue;
        cases.push({
          category: 'type',
          name: `${k}: ${JSON.stringify(v)}`,
          req: base({ body: { ...example, [k]: v } }),
        });
      }
      const type = Array.isArray(s.type) ? s.type[0] : s.type;
      if (type === 'integer' || type === 'number') {
        for (const v of badNumbersFor(s))
          cases.push({
            category: 'bounds',
            name: `${k}: ${String(v)}`,
            req: base({ body: { ...example, [k]: v } }),
          });
        for (const text of HUGE_NUMBER_TEXTS) {
          const raw = JSON.stringify({ ...example, [k]: '__N__' }).replace('"__N__"', text);
          cases.push({
            category: 'bounds',
            name: `${k}: ${text}`,
            req: base({ body: undefined, rawBody: raw }),
          });
        }
      }
      if (type === 'string') {
        for (const v of badStringsFor(s))
          cases.push({
            category: 'bounds',
            name: `${k}: ${JSON.stringify(v).slice(0, 20)}`,
            req: base({ body: { ...example, [k]: v } }),
          });
      }
    }
    const lenient = LENIENT_EXTRA_FIELDS.has(op.operationId);
    cases.push({
      category: 'extra',
      name: 'unknown field',
      req: base({ body: { ...example, unexpected_field: 1 } }),
      okAllowed: lenient,
    });
    cases.push({
      category: 'extra',
      name: '__proto__',
      req: base({
        body: undefined,
        rawBody: JSON.stringify(example).replace(/^\{/, '{"__proto__":{"admin":true},'),
      }),
      okAllowed: lenient,
    });
    cases.push({
      category: 'extra',
      name: 'constructor',
      req: base({ body: { ...example, constructor: { prototype: { admin: true } } } }),
      okAllowed: lenient,
    });
  }
  if (op.method !== 'GET') {
    const raw = (rawBody: string | Uint8Array, name: string, headers?: Record<string, string>) =>
      cases.push({
        category: 'encoding',
        name,
        req: base({ body: undefined, rawBody, ...(headers ? { headers } : {}) }),
      });
    raw('{"amount":', 'truncated json');
    raw('{amount: 1}', 'json5');
    raw('[]', 'array body');
    raw('"text"', 'string body');
    raw('null', 'null body');
    raw('1e999', 'number body');
    raw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'invalid utf-8');
    raw('\ufeff[]', 'bom + array');
    raw(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, 'deep nesting');
    raw(JSON.stringify({ pad: 'z'.repeat(70 * 1024) }), 'oversize body');
    raw('[1]', 'text/plain content type', { 'content-type': 'text/plain' });
    raw('a=1&b=2', 'form encoded', { 'content-type': 'application/x-www-form-urlencoded' });
  }
  if (op.auth === 'none' && op.method === 'GET') {
    // Public reads: stray credentials must not break them (2xx allowed), bad queries still 4xx.
    cases.push({
      category: 'auth',
      name: 'stray garbage bearer on a public route',
      req: base({ actor: { name: 'x', token: 'garbage' } }),
      okAllowed: true,
    });
  }
  // Fill the budget with random combinations of the above (fresh keys each time).
  const seedCases = cases.slice();
  while (cases.length < budget && seedCases.length > 0) {
    const c = prng.pick(seedCases);
    cases.push({
      ...c,
      name: `${c.name} (again)`,
      req: {
        ...c.req,
        ...(c.req.idempotencyKey &&
        c.req.idempotencyKey.length <= 255 &&
        c.req.idempotencyKey !== '' &&
        !/[^\x20-\x7e]/.test(c.req.idempotencyKey)
          ? { idempotencyKey: key() }
          : {}),
      },
    });
  }
  void errorCode;
  return cases;
}

function tamper(token: string, prng: Prng): string {
  const i = prng.int(0, token.length - 1);
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}
