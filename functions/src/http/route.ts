/**
 * The route table's shape. Every /v1 endpoint of every area is one `Route`; the dispatcher
 * in app.ts parses, authenticates, applies idempotency and calls `handler`, and the OpenAPI
 * document is generated from the same objects.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { AppConfig } from '../config';
import type { Database, Tx } from '../db';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type AuthKind = 'none' | 'user' | 'merchant' | 'cron';

/** Who is calling, as established by the route's `auth`. */
export type Principal =
  | { kind: 'none' }
  | { kind: 'cron' }
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'merchant'; merchantId: string; livemode: boolean; keyId?: string };

export interface RouteContext<TBody = unknown, TQuery = unknown> {
  requestId: string;
  method: Method;
  /** The matched route pattern, e.g. `/v1/loans/:id` (safe to log; the real path may hold tokens). */
  routePath: string;
  params: Record<string, string>;
  body: TBody;
  query: TQuery;
  headers: IncomingHttpHeaders;
  /** Client address (first X-Forwarded-For hop on Vercel, socket address locally). */
  ip: string;
  database: Database;
  config: AppConfig;
  /** Service clock (wall clock + test offset) read once at the start of the request. */
  now: Date;
  principal: Principal;
  idempotencyKey: string | undefined;
  /** `scope|key` when an Idempotency-Key was sent: pass to `@fenqi/db` primitives as `idempotencyRef`. */
  idempotencyRef: string | undefined;
  /** The app's whole route table (for the OpenAPI document). */
  routes: readonly Route[];
  /**
   * Runs `fn` in a database transaction. On idempotent routes this is the transaction that
   * also holds the idempotency record, so the effect and the stored response commit together.
   * `fn` may be re-run on serialization failures: keep side effects inside the database.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** What the request created, recorded with its idempotency key (`{ type: 'loan', id }`). */
  effect?: { type: string; id: string };
}

export interface Route<TBody = any, TQuery = any> {
  method: Method;
  /** `/v1/...` with `:name` segments. */
  path: string;
  operationId: string;
  summary: string;
  tags?: string[];
  auth: AuthKind;
  body?: z.ZodType<TBody>;
  query?: z.ZodType<TQuery>;
  /** Path parameter schemas (default: an id-shaped string). */
  params?: Record<string, z.ZodType<string>>;
  /** Response schema for the OpenAPI document only (responses are not validated at run time). */
  response?: z.ZodType;
  /** `required` on money-moving calls; `optional` on other creating calls. */
  idempotent?: 'required' | 'optional';
  /** Status of a successful response, for the OpenAPI document (default 200). */
  successStatus?: number;
  handler(ctx: RouteContext<TBody, TQuery>): Promise<RouteResult>;
}

/**
 * Identity helper that infers body and query types from the zod schemas, so handlers get
 * typed `ctx.body` / `ctx.query` without annotations.
 */
export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(
  route: Omit<Route, 'body' | 'query' | 'handler'> & {
    body?: B;
    query?: Q;
    handler(
      ctx: RouteContext<
        B extends z.ZodType ? z.output<B> : undefined,
        Q extends z.ZodType ? z.output<Q> : undefined
      >,
    ): Promise<RouteResult>;
  },
): Route {
  return route as unknown as Route;
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
export const created = (body: unknown): RouteResult => ({ status: 201, body });

/** Compiled form of a route path for matching. */
export interface CompiledRoute {
  route: Route;
  segments: readonly ({ literal: string } | { param: string })[];
}

export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  const seen = new Set<string>();
  return routes.map((route) => {
    if (!route.path.startsWith('/v1/')) throw new Error(`route path must start with /v1/: ${route.path}`);
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`duplicate route: ${key}`);
    seen.add(key);
    const segments = route.path
      .split('/')
      .filter(Boolean)
      .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
    return { route, segments };
  });
}

export type MatchResult =
  | { kind: 'match'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: Method[] }
  | { kind: 'none' };

/**
 * Finds the route for a path. Literal segments win over parameters at the same position
 * (`/v1/loans/payoff` before `/v1/loans/:id`). Parameters are percent-decoded; a segment that
 * does not decode matches nothing.
 */
export function matchRoute(table: readonly CompiledRoute[], method: string, pathname: string): MatchResult {
  const parts = pathname.split('/').filter(Boolean);
  let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
  const allowed: Method[] = [];
  for (const entry of table) {
    if (entry.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let okPath = true;
    for (let i = 0; i < parts.length; i++) {
      const seg = entry.segments[i];
      const part = parts[i] as string;
      if (!seg) {
        okPath = false;
        break;
      }
      if ('literal' in seg) {
        if (seg.literal !== part) {
          okPath = false;
          break;
        }
        literals++;
      } else {
        let decoded: string;
        try {
          decoded = decodeURIComponent(part);
        } catch {
          okPath = false;
          break;
        }
        params[seg.param] = decoded;
      }
    }
    if (!okPath) continue;
    if (entry.route.method !== method) {
      allowed.push(entry.route.method);
      continue;
    }
    if (!best || literals > best.literals) best = { route: entry.route, params, literals };
  }
  if (best) return { kind: 'match', route: best.route, params: best.params };
  if (allowed.length > 0) return { kind: 'method_not_allowed', allowed };
  return { kind: 'none' };
}
