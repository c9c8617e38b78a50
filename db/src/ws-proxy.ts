/**
 * A small WebSocket → TCP proxy for the Neon serverless driver, so that the production
 * driver can talk to a plain PostgreSQL server (local development, tests, CI).
 *
 * It listens on 127.0.0.1 only and forwards only to the `host:port` targets it was told to
 * allow (the database the factory opened), so it is not an open relay. The driver connects
 * to `ws://127.0.0.1:<port>/v1?address=<host>:<port>`.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface WsProxy {
  readonly port: number;
  /** Allow one more `host:port` target. */
  allow(host: string, port: number): void;
  /** Number of open client connections. */
  connectionCount(): number;
  /** Drop every open connection abruptly (tests: a connection lost half-way). */
  destroyConnections(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

function parseTarget(req: IncomingMessage): { host: string; port: number } | undefined {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const address = url.searchParams.get('address');
  if (!address) return undefined;
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host, port };
}

export async function startWsProxy(
  opts: { targets?: Array<{ host: string; port: number }> } = {},
): Promise<WsProxy> {
  const allowed = new Set<string>();
  const key = (host: string, port: number) => `${host.toLowerCase()}:${port}`;
  for (const t of opts.targets ?? []) allowed.add(key(t.host, t.port));
  const pairs = new Set<{ ws: WebSocket; socket: net.Socket }>();

  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });

  server.on('connection', (ws, req) => {
    const target = parseTarget(req);
    if (!target || !allowed.has(key(target.host, target.port))) {
      ws.close(1008, 'target not allowed');
      return;
    }
    const socket = net.connect({ host: target.host, port: target.port });
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

  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('ws proxy has no address');

  return {
    port: address.port,
    allow(host, port) {
      allowed.add(key(host, port));
    },
    connectionCount: () => pairs.size,
    destroyConnections() {
      for (const { ws, socket } of [...pairs]) {
        socket.destroy();
        ws.terminate();
      }
      pairs.clear();
    },
    close() {
      for (const { ws, socket } of [...pairs]) {
        socket.destroy();
        ws.terminate();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
