/** A local HTTP receiver for webhooks that checks signatures with the merchant kit. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature, type WebhookEvent } from '../../merchant-kit/src/index';

export interface ReceivedWebhook {
  raw: string;
  header: string | undefined;
  verified: boolean;
  event: WebhookEvent;
  status: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer in order; after they run out, 200. */
  script: number[];
  /** Milliseconds to wait before answering (a slow merchant server); 0 by default. */
  delayMs: number;
  /** Resolves once `n` verified deliveries of `type` have arrived (bounded wait). */
  waitFor(type: string, n?: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startReceiver(secret: () => string): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const script: number[] = [];
  const state = { delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['fenqi-signature'] as string | undefined;
      const verified = verifySignature({ payload: raw, header, secret: secret() }).ok;
      const status = verified ? (script.shift() ?? 200) : 400;
      received.push({ raw, header, verified, event: JSON.parse(raw) as WebhookEvent, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    script,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    async waitFor(type, n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = received.filter((r) => r.verified && r.status === 200 && r.event.type === type);
        if (hits.length >= n) return hits;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} × ${type}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
