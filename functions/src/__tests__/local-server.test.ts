import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, loggablePath, startLocalServer } from '../local-server';

describe('local server', () => {
  let server: LocalServer;
  let staticDir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'fenqi-static-'));
    mkdirSync(join(staticDir, 'js'));
    writeFileSync(join(staticDir, 'index.html'), '<div id="app"></div>');
    writeFileSync(join(staticDir, 'js', 'app.0123abcd.js'), 'console.log(1)');
    server = await startLocalServer({
      port: 0,
      staticDir,
      log: (line) => logLines.push(line),
      app: async (req, res) => {
        res.setHeader('x-request-id', 'req_test');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ routed: req.url }));
      },
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('routes /v1/* to the app handler, untouched', async () => {
    const response = await fetch(`${server.url}/v1/loans?limit=2`);
    expect(await response.json()).toEqual({ routed: '/v1/loans?limit=2' });
  });

  it('serves the H5 build, hashed assets cached for a year, and index.html for client routes', async () => {
    const asset = await fetch(`${server.url}/js/app.0123abcd.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    const route = await fetch(`${server.url}/pages/borrow/index`);
    expect(await route.text()).toBe('<div id="app"></div>');
  });

  it('never serves a file outside the build folder', async () => {
    const response = await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`);
    expect(await response.text()).toBe('<div id="app"></div>');
  });

  it('writes one JSON line per request with status, duration and request id, without query or tokens', async () => {
    logLines.length = 0;
    await fetch(`${server.url}/v1/checkouts/tok_secret123?x=1`);
    await new Promise((r) => setTimeout(r, 20));
    const lines = logLines.filter((line) => line.includes('/v1/checkouts/'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/v1/checkouts/:token',
      status: 200,
      request_id: 'req_test',
    });
    expect(typeof entry.duration_ms).toBe('number');
    expect(logLines.join('\n')).not.toContain('tok_secret123');
  });

  it('masks checkout tokens and drops query strings in logged paths', () => {
    expect(loggablePath('/v1/checkouts/abc/confirm?t=1')).toBe('/v1/checkouts/:token/confirm');
    expect(loggablePath('/v1/loans/loan_1?x=secret')).toBe('/v1/loans/loan_1');
  });
});
