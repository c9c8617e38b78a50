/**
 * A small WebSocket → TCP proxy for the Neon serverless driver, so that the production
 * driver can talk to a plain PostgreSQL server (local development, tests, CI).
 *
 * It listens on 127.0.0.1 only and forwards only to the `host:port` targets it was told to
 * allow (the database the factory opened), so it is not an open relay. The driver connects
 * to `ws://127.0.0.1:<port>/v1?address=<host>:<port>`.
 *
 * `startWsProxy({ thread: true })` runs it on a worker thread, so relaying bytes does not
 * compete with the queries' own JavaScript on the main event loop (the factory does this).
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';

export interface WsProxy {
  readonly port: number;
  /** Allow one more `host:port` target. */
  allow(host: string, port: number): Promise<void>;
  /** Number of open client connections. */
  connectionCount(): Promise<number>;
  /** Drop every open connection abruptly (tests: a connection lost half-way). */
  destroyConnections(): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

interface ProxyCore {
  port: number;
  allow(host: string, port: number): void;
  count(): number;
  destroy(): void;
  close(): Promise<void>;
}

/**
 * The proxy itself. Self-contained (its dependencies come in as arguments) because its
 * source is also evaluated inside the worker thread.
 */
async function serveProxy(
  deps: { WebSocketServer: typeof WebSocketServer; net: typeof net },
  targets: string[],
): Promise<ProxyCore> {
  const allowed = new Set(targets.map((t) => t.toLowerCase()));
  const pairs = new Set<{ ws: import('ws').WebSocket; socket: import('node:net').Socket }>();
  const server = new deps.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  server.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const address = url.searchParams.get('address') ?? '';
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || !allowed.has(`${host.toLowerCase()}:${port}`)) {
      ws.close(1008, 'target not allowed');
      return;
    }
    const socket = deps.net.connect({ host, port });
    socket.setNoDelay(true);
    const pair = { ws, socket };
    pairs.add(pair);
    const pending: Buffer[] = [];
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      for (const chunk of pending) socket.write(chunk);
      pending.length = 0;
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (connected) socket.write(chunk);
      else pending.push(chunk);
    });
    socket.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk);
    });
    const teardown = () => {
      pairs.delete(pair);
      socket.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
    };
    socket.on('close', teardown);
    socket.on('error', teardown);
    ws.on('close', teardown);
    ws.on('error', teardown);
  });
  const bound = server.address();
  if (typeof bound !== 'object' || bound === null) throw new Error('ws proxy has no address');
  const destroy = () => {
    for (const { ws, socket } of [...pairs]) {
      socket.destroy();
      ws.terminate();
    }
    pairs.clear();
  };
  return {
    port: bound.port,
    allow: (host, port) => {
      allowed.add(`${host.toLowerCase()}:${port}`);
    },
    count: () => pairs.size,
    destroy,
    close: () => {
      destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.__name = globalThis.__name || ((f) => f);
const serve = eval('(' + workerData.source + ')');
const deps = { WebSocketServer: require(workerData.wsPath).WebSocketServer, net: require('node:net') };
serve(deps, workerData.targets).then((core) => {
  parentPort.postMessage({ type: 'ready', port: core.port });
  parentPort.on('message', async (m) => {
    if (m.type === 'allow') core.allow(m.host, m.port);
    if (m.type === 'destroy') core.destroy();
    if (m.type === 'close') await core.close();
    parentPort.postMessage({ type: 'done', id: m.id, count: core.count() });
    if (m.type === 'close') process.exit(0);
  });
}, (error) => parentPort.postMessage({ type: 'error', message: String(error) }));
`;

/**
 * After dropping connections, give this thread's event loop a moment to see the sockets
 * close, so that a pool does not hand out a connection it has not yet noticed is dead.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function startInWorker(targets: string[]): Promise<WsProxy> {
  const wsPath = createRequire(import.meta.url).resolve('ws');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { source: serveProxy.toString(), wsPath, targets },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { type: string; port?: number; message?: string }) =>
      m.type === 'ready' ? resolve(m.port!) : reject(new Error(`ws proxy worker: ${m.message}`)),
    );
  });
  let nextId = 0;
  const waiting = new Map<number, (count: number) => void>();
  worker.on('message', (m: { type: string; id: number; count: number }) => {
    if (m.type !== 'done') return;
    waiting.get(m.id)?.(m.count);
    waiting.delete(m.id);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ask = (message: Record<string, unknown>) =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({ ...message, id });
    });
  let closing: Promise<void> | undefined;
  return {
    port,
    allow: async (host, targetPort) => {
      await ask({ type: 'allow', host, port: targetPort });
    },
    connectionCount: () => ask({ type: 'count' }),
    destroyConnections: async () => {
      await ask({ type: 'destroy' });
      await settle();
    },
    close: () => {
      closing ??= ask({ type: 'close' }).then(() => exited);
      return closing;
    },
  };
}

export async function startWsProxy(
  opts: { targets?: Array<{ host: string; port: number }>; thread?: boolean } = {},
): Promise<WsProxy> {
  const targets = (opts.targets ?? []).map((t) => `${t.host}:${t.port}`);
  if (opts.thread) return startInWorker(targets);
  const core = await serveProxy({ WebSocketServer, net }, targets);
  return {
    port: core.port,
    allow: async (host, port) => core.allow(host, port),
    connectionCount: async () => core.count(),
    destroyConnections: async () => {
      core.destroy();
      await settle();
    },
    close: () => core.close(),
  };
}
