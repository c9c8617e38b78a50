/**
 * Connection factory: one `Database` shape over three drivers.
 *
 * - `DATABASE_URL` unset → PGlite (embedded Postgres in WASM), persisted under `dataDir`
 *   (option, else `$FENQI_DATA_DIR/pglite`, else `<repo>/.data/pglite`); `memory://` keeps it
 *   in memory.
 * - a `*.neon.tech` URL → Neon serverless `Pool` over secure WebSocket (production).
 * - any other postgres URL → the same Neon `Pool`, through a loopback WebSocket→TCP proxy
 *   started here and stopped by `close()` (so tests exercise the production driver).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { flushDeferred, openDeferred } from './deferred';
import * as schema from './schema';
import { startWsProxy, type WsProxy } from './ws-proxy';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: repository functions accept both. */
export type DbOrTx = Db | Tx;
export type DriverName = 'pglite' | 'neon';

export interface Database {
  db: Db;
  driver: DriverName;
  close(): Promise<void>;
  /** The local WebSocket proxy, when the Neon driver talks to a non-Neon host. */
  readonly proxy?: WsProxy;
  /** Where the data lives, without credentials (for logs and /v1/health). */
  readonly location: string;
}

export interface OpenOptions {
  /** A postgres URL; default `process.env.DATABASE_URL`. Pass `null` to force PGlite. */
  url?: string | null;
  /** PGlite data directory, or `memory://`. */
  dataDir?: string;
  /** Neon pool size (default 10). */
  poolMax?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const migrationsFolder = path.resolve(here, '../migrations');

/** PGlite's directory: `<FENQI_DATA_DIR>/pglite`, FENQI_DATA_DIR defaulting to `<repo>/.data`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = env.FENQI_DATA_DIR ? path.resolve(env.FENQI_DATA_DIR) : path.join(repoRoot, '.data');
  return path.join(dataDir, 'pglite');
}

export function isNeonHost(host: string): boolean {
  return host.toLowerCase().endsWith('.neon.tech');
}

/** Hide the password of a postgres URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url === null ? undefined : (opts.url ?? process.env.DATABASE_URL);
  if (url && url.trim() !== '') return openNeon(url, opts.poolMax ?? 10);
  return openPglite(opts.dataDir ?? defaultDataDir());
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const client = inMemory ? new PGlite() : new PGlite(dataDir);
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    location: inMemory ? 'pglite:memory' : `pglite:${dataDir}`,
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

/** The Neon pool behind a Database (symbol-keyed so it survives `{ ...database }`). */
const POOL = Symbol('fenqi.neonPool');
type NeonPool = import('@neondatabase/serverless').Pool;

// The Neon driver's settings are process-wide; one process talks either to Neon or to
// non-Neon hosts through the local proxy. A shared proxy serves every local pool.
let sharedProxy: { proxy: Promise<WsProxy>; users: number } | undefined;
let neonMode: 'neon' | 'local' | undefined;

async function acquireProxy(host: string, port: number): Promise<WsProxy> {
  if (!sharedProxy) sharedProxy = { proxy: startWsProxy({ thread: true }), users: 0 };
  sharedProxy.users += 1;
  const proxy = await sharedProxy.proxy;
  await proxy.allow(host, port);
  return proxy;
}

async function releaseProxy(): Promise<void> {
  if (!sharedProxy) return;
  sharedProxy.users -= 1;
  if (sharedProxy.users > 0) return;
  const { proxy } = sharedProxy;
  sharedProxy = undefined;
  await (await proxy).close();
}

async function openNeon(url: string, poolMax: number): Promise<Database> {
  const parsed = new URL(url);
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error('DATABASE_URL must be a postgres:// URL');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || 5432);
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { drizzle } = await import('drizzle-orm/neon-serverless');
  const { default: WebSocket } = await import('ws');
  const mode = isNeonHost(host) ? 'neon' : 'local';
  if (neonMode && neonMode !== mode)
    throw new Error('one process cannot mix Neon and local PostgreSQL hosts');
  neonMode = mode;
  neonConfig.webSocketConstructor = (mode === 'local' && process.env.FENQI_WS_COALESCE !== '0'
    ? coalescingWebSocket(WebSocket)
    : WebSocket) as unknown as typeof neonConfig.webSocketConstructor;
  let proxy: WsProxy | undefined;
  if (mode === 'local') {
    proxy = await acquireProxy(host, port);
    const proxyPort = proxy.port;
    neonConfig.wsProxy = (h: string, p: number | string) => `127.0.0.1:${proxyPort}/v1?address=${h}:${p}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.forceDisablePgSSL = true;
    neonConfig.coalesceWrites = false;
  }
  const pool = new Pool({ connectionString: url, max: poolMax });
  // A connection dropped by the server or the network must not crash the process: the
  // failure reaches the caller through the pending query / transaction; the broken client
  // is discarded by the pool.
  pool.on('error', () => {});
  const statementName = process.env.FENQI_PG_PREPARED === '0' ? undefined : sharedStatementNames;
  pool.on('connect', (client: PoolClientLike) => {
    client.on('error', () => {});
    if (statementName) nameRepeatedStatements(client, statementName);
  });
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  let closed = false;
  const database: Database & { [POOL]: NeonPool } = {
    [POOL]: pool,
    db,
    driver: 'neon',
    location: redactUrl(url),
    proxy,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => {});
      if (proxy) await releaseProxy();
    },
  };
  return database;
}

interface PoolClientLike {
  on(event: 'error', listener: () => void): unknown;
  query: (config: unknown, ...rest: unknown[]) => unknown;
}

/**
 * Names for statements worth preparing on the server, shared by every pool of the process.
 *
 * An unnamed statement is parsed, analysed and planned by PostgreSQL on every execution. With
 * statement logging on the borrow benchmark, the borrower snapshot select spent 0.36 ms in
 * parse and 0.80 ms in bind (planning) for 0.09 ms of execution, and the risk read and the
 * borrow statement about 1.4 ms each. A named statement is parsed once per connection (the
 * driver remembers which ones it has prepared there) and its plan is cached by the server.
 *
 * A text gets a name the second time it is seen, so one-off texts (a literal baked into the
 * SQL, an IN list of unusual length) never reach the server's cache, and at most
 * `MAX_NAMED_STATEMENTS` texts are named per process, which bounds the memory each server
 * connection spends on them. Names map to exactly one text (the driver refuses to reuse a
 * name for another text on one connection). `FENQI_PG_PREPARED=0` turns this off (e.g. behind
 * a pooler in transaction mode without prepared-statement support).
 */
export function statementNamer(maxNamed: number, maxSeen = 10_000): (text: string) => string | undefined {
  const names = new Map<string, string>();
  let seenOnce = new Set<string>();
  return (text) => {
    const known = names.get(text);
    if (known !== undefined) return known;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= maxSeen) seenOnce = new Set();
      seenOnce.add(text);
      return undefined;
    }
    if (names.size >= maxNamed) return undefined;
    const name = `fenqi_${names.size + 1}`;
    names.set(text, name);
    seenOnce.delete(text);
    return name;
  };
}

const MAX_NAMED_STATEMENTS = 400;
const sharedStatementNames = statementNamer(MAX_NAMED_STATEMENTS);

/** Gives repeated parameterised queries of this client a server-side prepared statement. */
function nameRepeatedStatements(client: PoolClientLike, nameOf: (text: string) => string | undefined): void {
  const query = client.query.bind(client);
  client.query = (config: unknown, ...rest: unknown[]) => {
    if (isUnnamedQueryConfig(config)) {
      const name = nameOf(config.text);
      if (name !== undefined) return query({ ...config, name }, ...rest);
    }
    return query(config, ...rest);
  };
}

function isUnnamedQueryConfig(config: unknown): config is { text: string; name?: undefined } {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as { text?: unknown; name?: unknown; submit?: unknown };
  return typeof c.text === 'string' && c.name === undefined && c.submit === undefined;
}

/**
 * A WebSocket that sends what the driver writes in one tick as ONE frame. The Postgres
 * extended protocol writes five messages per query (Parse, Bind, Describe, Execute, Sync);
 * sent as five frames they are five socket writes, and a loopback socket write costs this
 * machine about 100 µs of CPU (a third of the API process's busy time in a CPU profile of
 * the borrow benchmark). The driver's own `coalesceWrites` batches them behind a
 * `setTimeout(0)`, which adds ≥ 1 ms to every round trip; a microtask flush adds nothing.
 * The byte stream is unchanged.
 */
function coalescingWebSocket(Base: typeof import('ws').WebSocket) {
  return class CoalescingWebSocket extends Base {
    #queued: Uint8Array[] = [];
    #awaitingOpen = false;

    override send(data: unknown, ...rest: unknown[]): void {
      if (!(data instanceof Uint8Array) || rest.length > 0) {
        this.#flush();
        (super.send as (...args: unknown[]) => void)(data, ...rest);
        return;
      }
      this.#queued.push(data);
      if (this.#queued.length === 1) queueMicrotask(() => this.#flush());
    }

    override close(...args: Parameters<InstanceType<typeof Base>['close']>): void {
      this.#flush();
      super.close(...args);
    }

    #flush(): void {
      const parts = this.#queued;
      if (parts.length === 0) return;
      if (this.readyState === Base.CONNECTING) {
        if (!this.#awaitingOpen) {
          this.#awaitingOpen = true;
          this.once('open', () => this.#flush());
        }
        return; // kept queued until the socket opens
      }
      this.#queued = [];
      // After close, `ws` drops a send as it would have dropped each of these.
      super.send(parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));
    }
  };
}

/** Apply `db/migrations` (drizzle journal); idempotent. */
export async function migrate(database: Database): Promise<void> {
  if (database.driver === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the driver's own type
    await run(database.db as any, { migrationsFolder });
  } else {
    // Processes starting together must not race on one server: migrate on one connection
    // holding a session advisory lock; the next one in finds nothing left to do.
    const pool = (database as unknown as { [POOL]?: NeonPool })[POOL];
    if (!pool) throw new Error('neon database without its pool');
    const { migrate: run } = await import('drizzle-orm/neon-serverless/migrator');
    const { drizzle } = await import('drizzle-orm/neon-serverless');
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock(7273491)');
      try {
        await run(drizzle({ client, schema }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock(7273491)');
      }
    } finally {
      client.release();
    }
  }
}

/** Postgres error code of a driver error (drizzle wraps it in `cause`). */
export function pgErrorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Constraint name of a driver error, if any. */
export function pgConstraint(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const c = (e as { constraint?: unknown }).constraint;
    if (typeof c === 'string') return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const RETRYABLE_CODES = new Set(['40001', '40P01']);
export const TRANSACTION_ATTEMPTS_MAX = 8;

export interface TransactionOptions {
  isolationLevel?: 'read committed' | 'repeatable read' | 'serializable';
  /** Bounded: 1 … TRANSACTION_ATTEMPTS_MAX (default 5). */
  attempts?: number;
}

/**
 * Run `fn` in one transaction. Serialization failures (40001) and deadlocks (40P01) roll
 * back and run `fn` again, at most `attempts` times, with a short jittered backoff; any
 * other error rolls back and is rethrown. `fn` must not have effects outside the database.
 */
export async function withTransaction<T>(
  database: Database,
  fn: (tx: Tx) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = Math.min(Math.max(opts.attempts ?? 5, 1), TRANSACTION_ATTEMPTS_MAX);
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.db.transaction(
        async (tx) => {
          openDeferred(tx as Tx);
          const value = await fn(tx as Tx);
          await flushDeferred(tx as Tx);
          return value;
        },
        opts.isolationLevel ? { isolationLevel: opts.isolationLevel } : undefined,
      );
    } catch (error) {
      const code = pgErrorCode(error);
      if (!code || !RETRYABLE_CODES.has(code) || attempt >= attempts) throw error;
      const backoffMs = Math.min(100, 2 ** attempt) * (0.5 + randomBytes(1)[0]! / 255);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}

export function serverTestUrl(): string | undefined {
  const url = process.env.FENQI_TEST_PG_URL;
  return url && url.trim() !== '' ? url : undefined;
}

export type TestDatabase = Database & { drop(): Promise<void>; readonly name: string };

/**
 * A fresh, migrated, isolated database. `server`: a uniquely named database created on the
 * server of `FENQI_TEST_PG_URL` (through the Neon driver), removed by `drop()`.
 * `pglite`: an in-memory PGlite (cold start 7–10 s: keep one per test file).
 */
export async function createTestDatabase(
  kind: 'pglite' | 'server',
  opts: { poolMax?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ url: null, dataDir: 'memory://' });
    await migrate(database);
    return { ...database, name: 'memory', drop: () => database.close() };
  }
  const adminUrl = serverTestUrl();
  if (!adminUrl) throw new Error('FENQI_TEST_PG_URL is not set: no PostgreSQL server for tests');
  const name = `fenqi_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ url: adminUrl, poolMax: 1 });
  const { sql } = await import('drizzle-orm');
  try {
    await admin.db.execute(sql.raw(`CREATE DATABASE "${name}"`));
  } catch (error) {
    await admin.close();
    throw error;
  }
  const testUrl = new URL(adminUrl);
  testUrl.pathname = `/${name}`;
  let database: Database;
  try {
    database = await openDatabase({ url: testUrl.toString(), poolMax: opts.poolMax ?? 20 });
    await migrate(database);
  } catch (error) {
    await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => {});
    await admin.close();
    throw error;
  }
  let dropped = false;
  return {
    ...database,
    name,
    close: () => database.close(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await database.close();
      try {
        await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      } finally {
        await admin.close();
      }
    },
  };
}
