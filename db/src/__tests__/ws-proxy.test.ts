import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsProxy, type WsProxy } from '../ws-proxy';

/** A TCP echo server standing in for PostgreSQL. */
let echo: net.Server;
let echoPort: number;
let proxy: WsProxy;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
});

function open(address: string): Promise<{ ws: WebSocket; closeCode: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=${address}`);
  const closeCode = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closeCode }));
    ws.once('error', reject);
  });
}

describe.each([
  ['on the main thread', false],
  ['on a worker thread', true],
])('ws proxy %s', (_name, thread) => {
  beforeAll(async () => {
    proxy = await startWsProxy({ targets: [{ host: '127.0.0.1', port: echoPort }], thread });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('pipes bytes both ways to an allowed target', async () => {
    const { ws } = await open(`127.0.0.1:${echoPort}`);
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send(Buffer.from('hello postgres'));
    expect(await reply).toBe('hello postgres');
    expect(await proxy.connectionCount()).toBe(1);
    ws.close();
  });

  it('refuses targets it was not told about (not an open relay)', async () => {
    const { closeCode } = await open('10.0.0.1:5432');
    expect(await closeCode).toBe(1008);
    const other = await open(`127.0.0.1:${echoPort + 1}`);
    expect(await other.closeCode).toBe(1008);
  });

  it('destroyConnections drops open connections', async () => {
    const { ws, closeCode } = await open(`127.0.0.1:${echoPort}`);
    await new Promise((r) => setTimeout(r, 20));
    await proxy.destroyConnections();
    expect(await closeCode).not.toBe(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect(await proxy.connectionCount()).toBe(0);
  });
});
