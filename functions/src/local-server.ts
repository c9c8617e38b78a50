import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Database } from '@fenqi/db';
import { type AppConfig, createApp } from './app';

/**
 * The local runtime: the same dispatcher the Vercel function calls, for `/v1/*`, plus the
 * built H5 mini-app as static files at `/`. It adds nothing else — no second
 * implementation of any endpoint — only one structured log line per request.
 */
export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface LocalServerOptions {
  port: number;
  host?: string;
  /** Either a ready handler or the database and config to build one with createApp. */
  app?: RequestHandler;
  database?: Database;
  config?: AppConfig;
  /** Folder of the built H5 app; omitted → only the API is served. */
  staticDir?: string;
  /** One JSON line per request; defaults to stdout. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

const CONTENT_TYPE_BY_EXT: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const app = options.app ?? appFromDeps(options);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined;

  const server = createServer((req, res) => {
    const startedNs = process.hrtime.bigint();
    res.on('finish', () => log(requestLogLine(req, res, startedNs)));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const work =
      path.startsWith('/v1/') || path === '/v1' ? app(req, res) : serveStatic(staticRoot, path, req, res);
    work.catch((error: unknown) => {
      log(JSON.stringify({ level: 'error', msg: 'unhandled', error: String(error) }));
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
      }
      res.end();
    });
  });
  // Keep-alive sockets must not hold shutdown hostage.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

function appFromDeps(options: LocalServerOptions): RequestHandler {
  if (!options.database || !options.config) {
    throw new Error('startLocalServer needs either app or database + config');
  }
  return createApp({ database: options.database, config: options.config });
}

function requestLogLine(req: IncomingMessage, res: ServerResponse, startedNs: bigint): string {
  const durationUs = (process.hrtime.bigint() - startedNs) / 1000n;
  const requestId = res.getHeader('x-request-id');
  return JSON.stringify({
    time: new Date().toISOString(),
    level: res.statusCode >= 500 ? 'error' : 'info',
    method: req.method,
    path: loggablePath(req.url ?? '/'),
    status: res.statusCode,
    duration_ms: Number(durationUs) / 1000,
    request_id: typeof requestId === 'string' ? requestId : undefined,
  });
}

/** The path without its query (it may carry tokens) and with checkout tokens masked. */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? '/';
  return path.replace(/^(\/v1\/checkouts\/)[^/]+/, '$1:token');
}

async function serveStatic(
  root: string | undefined,
  urlPath: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!root || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(root ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(root ? 'method not allowed' : 'the H5 app is not built: npm run build:h5');
    return;
  }
  const file = (await resolveStaticFile(root, urlPath)) ?? (await resolveStaticFile(root, '/index.html'));
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('the H5 app is not built: npm run build:h5');
    return;
  }
  const isHashedAsset = /\.[0-9a-f]{8}\.(js|css)$/.test(file.path);
  res.writeHead(200, {
    'content-type': CONTENT_TYPE_BY_EXT[extname(file.path)] ?? 'application/octet-stream',
    'content-length': file.sizeBytes,
    'cache-control': isHashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    createReadStream(file.path).on('error', fail).on('end', done).pipe(res);
  });
}

async function resolveStaticFile(
  root: string,
  urlPath: string,
): Promise<{ path: string; sizeBytes: number } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const candidate = normalize(join(root, decoded === '/' ? '/index.html' : decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined; // traversal
  try {
    const info = await stat(candidate);
    return info.isFile() ? { path: candidate, sizeBytes: info.size } : undefined;
  } catch {
    return undefined;
  }
}
