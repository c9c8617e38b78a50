/**
 * A merchant's notify_url for the simulator: verifies `Fenqi-Signature` (Stripe's scheme)
 * against the merchant's webhook secret, records each event by id (at-least-once: the same
 * id may arrive many times) and, in fault mode, answers 500 to a share of deliveries so the
 * outbox has to retry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Prng } from './prng';

export interface ReceivedEvent {
  id: string;
  type: string;
  objectId?: string;
  deliveries: number;
  firstBody: string;
}

export class WebhookReceiver {
  readonly events = new Map<string, ReceivedEvent>();
  readonly badSignatures: string[] = [];
  readonly bodyMismatches: string[] = [];
  deliveries = 0;
  refusals = 0;
  private server: Server | undefined;
  port = 0;
  /** Secrets accepted (the merchant's `whsec_…`); empty → signatures are not checked. */
  secrets: string[] = [];

  constructor(
    private readonly prng: Prng,
    public failureRate = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.deliveries += 1;
        if (this.failureRate > 0 && this.prng.chance(this.failureRate)) {
          this.refusals += 1;
          res.writeHead(500).end('simulated receiver failure');
          return;
        }
        const header = String(req.headers['fenqi-signature'] ?? '');
        if (this.secrets.length > 0 && !this.secrets.some((s) => verify(s, header, raw))) {
          this.badSignatures.push(header);
          res.writeHead(400).end('bad signature');
          return;
        }
        let event: { id?: unknown; type?: unknown; data?: { object?: { id?: unknown } } };
        try {
          event = JSON.parse(raw) as typeof event;
        } catch {
          this.badSignatures.push(`unparseable body ${raw.slice(0, 80)}`);
          res.writeHead(400).end('bad json');
          return;
        }
        const id = String(event.id ?? '');
        const seen = this.events.get(id);
        if (seen) {
          seen.deliveries += 1;
          if (seen.firstBody !== raw) this.bodyMismatches.push(id);
        } else {
          const objectId = event.data?.object?.id;
          this.events.set(id, {
            id,
            type: String(event.type ?? ''),
            ...(typeof objectId === 'string' ? { objectId } : {}),
            deliveries: 1,
            firstBody: raw,
          });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', () => done()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

export function verify(secret: string, header: string, raw: string): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(Math.floor(Date.now() / 1000) - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
