/**
 * Runs the app in-process on an ephemeral port around `createApp`, against a fresh test
 * database, with a small fetch-based client.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, serverTestUrl, type TestDatabase } from '@fenqi/db';
import { type AppConfig, type AppDeps, createApp, loadConfig } from '@fenqi/functions';
import { settleTriggers } from '../../functions/src/webhooks/trigger';

export type DbKind = 'pglite' | 'server';

/** The database kinds to run: PGlite always; the server when FENQI_TEST_PG_URL is set. */
export function dbKinds(): DbKind[] {
  if (serverTestUrl()) return ['pglite', 'server'];
  console.warn('[tests/api] FENQI_TEST_PG_URL is unset: skipping the real-PostgreSQL variant (PGlite only).');
  return ['pglite'];
}

export interface Harness {
  baseUrl: string;
  database: TestDatabase;
  config: AppConfig;
  server: Server;
  close(): Promise<void>;
}

export async function startHarness(
  kind: DbKind,
  opts: { config?: Partial<AppConfig>; deps?: Partial<AppDeps>; database?: TestDatabase } = {},
): Promise<Harness> {
  const database = opts.database ?? (await createTestDatabase(kind));
  const config = { ...loadConfig({ FENQI_MODE: 'test' }), ...opts.config };
  // Unexpected errors are printed so a failing test shows their cause (no PII in them).
  const log: AppDeps['log'] = (e) => {
    if (e.msg === 'unhandled_error') console.error(JSON.stringify(e));
  };
  const app = createApp({ database, config, log, ...opts.deps });
  const server = createServer((req, res) => {
    void app(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    config,
    server,
    async close() {
      await settleTriggers(); // after-commit work (contract sealing, webhooks) before the drop
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!opts.database) await database.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Raw body text (sent as is) instead of JSON.stringify(body). */
  raw?: string | Buffer;
}

export function client(baseUrl: string) {
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: typeof payload === 'string' || payload === undefined ? payload : new Uint8Array(payload),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
  return {
    call,
    get: <T = any>(path: string, opts?: CallOptions) => call<T>('GET', path, undefined, opts),
    post: <T = any>(path: string, body?: unknown, opts?: CallOptions) =>
      call<T>('POST', path, body ?? {}, opts),
    put: <T = any>(path: string, body?: unknown, opts?: CallOptions) =>
      call<T>('PUT', path, body ?? {}, opts),
  };
}
