import { createHmac } from 'node:crypto';

/**
 * `Fenqi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — Stripe's
 * scheme; the endpoint's `whsec_…` secret is the HMAC key as-is. Verified independently by
 * `merchant-kit` (tests cross-check the two).
 */
export function signWebhookPayload(args: {
  secret: string;
  timestampSeconds: number;
  payload: string;
}): string {
  const mac = createHmac('sha256', args.secret)
    .update(`${args.timestampSeconds}.${args.payload}`)
    .digest('hex');
  return `t=${args.timestampSeconds},v1=${mac}`;
}
