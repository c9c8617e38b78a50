/**
 * The one dispatcher for every /v1 request, used as it is by the Vercel function
 * (functions/api/v1/[...path].ts) and by the local server. Per request, in this order:
 * match route → path params → query → body (raw stream, size limit, strict JSON, zod) →
 * authenticate → Idempotency-Key → handler (inside the idempotency transaction when a key
 * is given) → JSON response with X-Request-Id → one structured log line without PII.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { serviceNow, type WallClock } from './clock';
import type { AppConfig } from './config';
import { type Database, type Tx, withTransaction } from './db';
import { authenticate } from './http/auth';
import { ApiError, describeForLog, toApiError } from './http/errors';
import { claimKey, completeKey, readIdempotencyKey, releaseKey, requestHash } from './http/idempotency';
import { parseJsonBody, readRawBody, validate } from './http/parse';
import {
  type CompiledRoute,
  compileRoutes,
  type Method,
  matchRoute,
  type Principal,
  type Route,
  type RouteContext,
  type RouteResult,
} from './http/route';
import { withoutPaymentPassword } from './risk-gate';
import { allRoutes } from './routes';

export type { AppConfig } from './config';
export { loadConfig } from './config';

/** One line per request. Never holds bodies, tokens, IPs, openids or names. */
export interface RequestLogEntry {
  level: 'info' | 'warn' | 'error';
  msg: 'request' | 'unhandled_error';
  time: string;
  request_id: string;
  method: string;
  route?: string;
  operation_id?: string;
  status?: number;
  duration_ms?: number;
  error_code?: string;
  replayed?: boolean;
  [detail: string]: unknown;
}

export interface AppDeps {
  database: Database;
  config: AppConfig;
  /** Receives the structured log lines; default: JSON to stdout (nothing in test mode). */
  log?: (entry: RequestLogEntry) => void;
  /** Test seam: the wall clock under the service-clock offset. */
  wallClock?: WallClock;
  /** Extra routes (tests). */
  extraRoutes?: Route[];
}

export type AppHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const defaultIdParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);

export function createApp(deps: AppDeps): AppHandler {
  const table: CompiledRoute[] = compileRoutes([...allRoutes(), ...(deps.extraRoutes ?? [])]);
  const log = deps.log ?? defaultLog(deps.config.mode);
  const { database, config } = deps;
  const routeList: readonly Route[] = table.map((c) => c.route);

  return async function app(req, res) {
    const started = performance.now();
    const requestId = newRequestId();
    let route: Route | undefined;
    let status = 500;
    let errorCode: string | undefined;
    let replayed = false;
    try {
      const result = await dispatch();
      status = result.status ?? 200;
      replayed = result.headers?.['Idempotent-Replayed'] === 'true';
      send(res, status, result.body, { ...result.headers, 'X-Request-Id': requestId });
    } catch (err) {
      const apiErr = toApiError(err);
      if (!(err instanceof ApiError)) {
        log({
          level: 'error',
          msg: 'unhandled_error',
          time: new Date().toISOString(),
          request_id: requestId,
          method: req.method ?? '',
          route: route?.path,
          ...describeForLog(err),
        });
      }
      const out = apiErr.toResponse(requestId);
      status = out.status;
      errorCode = apiErr.code;
      send(res, status, out.body, { ...out.headers, 'X-Request-Id': requestId });
    } finally {
      log({
        level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
        msg: 'request',
        time: new Date().toISOString(),
        request_id: requestId,
        method: req.method ?? '',
        route: route?.path ?? 'unmatched',
        operation_id: route?.operationId,
        status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        ...(errorCode ? { error_code: errorCode } : {}),
        ...(replayed ? { replayed } : {}),
      });
    }

    async function dispatch(): Promise<RouteResult> {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = matchRoute(table, (req.method ?? 'GET').toUpperCase(), url.pathname);
      if (match.kind === 'none') {
        req.resume();
        throw new ApiError(
          'not_found',
          'route_not_found',
          `No route for ${req.method} ${url.pathname.slice(0, 200)}.`,
        );
      }
      if (match.kind === 'method_not_allowed') {
        req.resume();
        throw new ApiError(
          'invalid_request',
          'method_not_allowed',
          `Use ${match.allowed.join(', ')} on this path.`,
          undefined,
          {
            status: 405,
            headers: { Allow: match.allowed.join(', ') },
          },
        );
      }
      route = match.route;
      const r = match.route;

      // Path parameters that cannot name an object name nothing: 404, like an unknown id.
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(match.params)) {
        const schema = r.params?.[name] ?? defaultIdParam;
        if (!schema.safeParse(value).success) {
          req.resume();
          throw new ApiError('not_found', 'resource_not_found', `No such object: '${name}'.`, name);
        }
        params[name] = value;
      }

      const query = parseQuery(r, url.searchParams);
      const raw = await readRawBody(req, config.bodyLimitBytes);
      const body = parseBody(r, raw, req.headers['content-type']);

      const now = await serviceNow(database, config, deps.wallClock);
      const principal = await authenticate(r.auth, { req, database, config, now });
      const idempotencyKey = r.idempotent ? readIdempotencyKey(req.headers['idempotency-key']) : undefined;
      if (r.idempotent === 'required' && idempotencyKey === undefined) {
        throw new ApiError(
          'invalid_request',
          'idempotency_key_required',
          'This call moves money: send an Idempotency-Key header.',
          'Idempotency-Key',
        );
      }

      const scope = scopeOf(principal);
      const base: Omit<RouteContext, 'transaction'> = {
        requestId,
        method: r.method,
        routePath: r.path,
        params,
        body,
        query,
        headers: req.headers,
        ip: clientIp(req),
        database,
        config,
        now,
        principal,
        idempotencyKey,
        idempotencyRef: idempotencyKey === undefined ? undefined : `${scope}|${idempotencyKey}`,
        routes: routeList,
      };

      if (idempotencyKey === undefined) {
        return r.handler({ ...base, transaction: (fn) => transactionKeepingEvidence(database, fn) });
      }
      // Never the payment password: six digits under a plain SHA-256 are brute-forceable.
      const hash = requestHash({
        method: r.method,
        routePath: r.path,
        params,
        body: withoutPaymentPassword(body),
      });
      const outcome = await withTransaction(database, async (tx): Promise<RouteResult> => {
        const claim = await claimKey(tx, { scope, key: idempotencyKey, requestHash: hash, now });
        if (claim.kind === 'replay') {
          return {
            status: claim.response.status,
            body: claim.response.body,
            headers: { 'Idempotent-Replayed': 'true' },
          };
        }
        let result: RouteResult;
        try {
          result = await r.handler({ ...base, transaction: (fn) => fn(tx) });
        } catch (err) {
          if (!(err instanceof ApiError && err.commitWrites)) throw err;
          // Keep the evidence, forget the key: a retry after step-up runs the request again.
          await releaseKey(tx, { scope, key: idempotencyKey });
          return { status: err.status, body: err, headers: {} } satisfies RouteResult;
        }
        await completeKey(tx, {
          scope,
          key: idempotencyKey,
          now,
          response: { status: result.status ?? 200, body: result.body },
          ...(result.effect ? { effect: result.effect } : {}),
        });
        return result;
      });
      if (outcome.body instanceof ApiError) throw outcome.body;
      return outcome;
    }
  };
}

/** `withTransaction`, except that an `ApiError` with `commitWrites` commits, then is thrown. */
async function transactionKeepingEvidence<T>(database: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let kept: ApiError | undefined;
  const value = await withTransaction(database, async (tx) => {
    kept = undefined;
    try {
      return await fn(tx);
    } catch (err) {
      if (err instanceof ApiError && err.commitWrites) {
        kept = err;
        return undefined as T;
      }
      throw err;
    }
  });
  if (kept) throw kept;
  return value;
}

/**
 * Without a `log` hook: production (Vercel) prints every line; development prints only
 * unexpected errors (the local server already prints one line per request); test prints none.
 */
function defaultLog(mode: AppConfig['mode']): (e: RequestLogEntry) => void {
  const write = (e: RequestLogEntry) => process.stdout.write(`${JSON.stringify(e)}\n`);
  if (mode === 'production') return write;
  if (mode === 'development') return (e) => (e.msg === 'unhandled_error' ? write(e) : undefined);
  return () => {};
}

function parseQuery(r: Route, search: URLSearchParams): unknown {
  const obj: Record<string, string> = {};
  for (const [k, v] of search) {
    if (k in obj)
      throw new ApiError(
        'invalid_request',
        'duplicate_field',
        `The query parameter '${k}' appears more than once.`,
        k,
      );
    obj[k] = v;
  }
  if (r.query) return validate(r.query, obj, 'query');
  const extra = Object.keys(obj)[0];
  if (extra !== undefined)
    throw new ApiError('invalid_request', 'unknown_field', `Unknown query parameter '${extra}'.`, extra);
  return undefined;
}

function parseBody(r: Route, raw: Buffer, contentType: string | undefined): unknown {
  if (r.method === 'GET' || r.method === 'DELETE') {
    if (raw.length > 0)
      throw new ApiError('invalid_request', 'unexpected_body', `${r.method} takes no body.`);
    return undefined;
  }
  const json = parseJsonBody(raw, contentType);
  if (r.body) return validate(r.body, json, 'body');
  const extra = Object.keys(json)[0];
  if (extra !== undefined)
    throw new ApiError('invalid_request', 'unknown_field', `Unknown body field '${extra}'.`, extra);
  return undefined;
}

/** `req_` + 24 hex digits (96 random bits); randomUUID draws from a cached entropy pool. */
function newRequestId(): string {
  const hex = randomUUID().replace(/-/g, '');
  // version and variant nibbles (positions 12 and 16) are fixed; skip them
  return `req_${hex.slice(0, 12)}${hex.slice(13, 16)}${hex.slice(17, 26)}`;
}

function scopeOf(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return p.userId;
    case 'merchant':
      return `${p.merchantId}:${p.livemode ? 'live' : 'test'}`;
    default:
      return p.kind;
  }
}

/** On Vercel the platform sets x-real-ip; locally the socket address (headers are spoofable). */
function clientIp(req: IncomingMessage): string {
  if (process.env.VERCEL) {
    const real = req.headers['x-real-ip'];
    if (typeof real === 'string' && real) return real;
    const xff = req.headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket?.remoteAddress ?? 'unknown';
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = toJsonText(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * Most bodies hold no bigint (views convert fen with `fenToJson`); a replacer costs about 3×
 * the plain stringify on a quote's schedule, so it runs only when the plain one refuses a bigint.
 */
function toJsonText(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    if (err instanceof TypeError && /BigInt/i.test(err.message)) return JSON.stringify(body, jsonReplacer);
    throw err;
  }
}

/** bigint fen → JSON number (every amount the API shows fits a safe integer). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error('jsonReplacer: bigint outside the safe integer range');
    }
    return Number(value);
  }
  return value;
}

export type { Method };
