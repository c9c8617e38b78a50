import { createHmac } from 'node:crypto';

/**
 * `Fenqi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — Stripe's
 * scheme; the endpoint's `whsec_…` secret is the HMAC key as-is. During a secret rotation's
 * overlap window the header carries one `v1=` per valid secret, the current one first
 * (`t=…,v1=<new>,v1=<old>`), so a receiver that knows either secret verifies. Verified
 * independently by `merchant-kit` (tests cross-check the two).
 */
export function signWebhookPayload(args: {
  /** Current secret first, then the rotated-out ones still inside their overlap window. */
  secrets: readonly string[];
  timestampSeconds: number;
  payload: string;
}): string {
  if (args.secrets.length === 0) throw new Error('signWebhookPayload needs at least one secret');
  const signed = `${args.timestampSeconds}.${args.payload}`;
  const macs = args.secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`,
  );
  return `t=${args.timestampSeconds},${macs.join(',')}`;
}
