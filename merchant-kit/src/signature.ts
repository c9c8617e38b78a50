/**
 * Fenqi webhook signatures — the same scheme as Stripe's.
 *
 * Header: `Fenqi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The endpoint's `whsec_…` secret is the HMAC key as-is (no base64 decoding). A header may carry
 * several `v1=` values (during a secret rotation); one match is enough. Receivers reject a
 * timestamp more than `toleranceSeconds` (default 300) away from their clock, in either
 * direction, which bounds replays.
 *
 * Dependency-free: only `node:crypto`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Fenqi-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;
const SIGNATURE_SCHEME = 'v1';
/** Bounds the work one header can cause. */
const SIGNATURES_MAX = 8;
const HEADER_LENGTH_MAX = 2_048;

export type VerifyFailureCode =
  | 'header_missing'
  | 'header_malformed'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch'
  | 'secret_missing';

export type VerifyResult =
  | { ok: true; timestampSeconds: number }
  | { ok: false; code: VerifyFailureCode; message: string };

export interface VerifyOptions {
  /** The raw request body exactly as received (string or bytes) — never a re-serialised object. */
  payload: string | Uint8Array;
  /** The value of the `Fenqi-Signature` header. */
  header: string | null | undefined;
  /** The endpoint's `whsec_…` secret. */
  secret: string;
  /** Allowed clock difference in seconds, both ways. Default 300. */
  toleranceSeconds?: number;
  /** Receiver's clock in unix seconds; defaults to the system clock. */
  nowSeconds?: number;
}

/** Hex HMAC-SHA256 of `"<t>.<payload>"` keyed with the secret as-is. */
export function computeSignature(
  secret: string,
  timestampSeconds: number,
  payload: string | Uint8Array,
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestampSeconds}.`);
  hmac.update(payload);
  return hmac.digest('hex');
}

/** Builds a header value; merchants use it to test their own receivers. */
export function signatureHeader(
  secret: string,
  timestampSeconds: number,
  payload: string | Uint8Array,
): string {
  return `t=${timestampSeconds},${SIGNATURE_SCHEME}=${computeSignature(secret, timestampSeconds, payload)}`;
}

interface ParsedHeader {
  timestampSeconds: number;
  signatures: string[];
}

export function parseSignatureHeader(header: string): ParsedHeader | null {
  if (header.length > HEADER_LENGTH_MAX) return null;
  let timestampSeconds: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestampSeconds = Number(value);
    } else if (
      key === SIGNATURE_SCHEME &&
      /^[0-9a-f]{64}$/i.test(value) &&
      signatures.length < SIGNATURES_MAX
    ) {
      signatures.push(value.toLowerCase());
    }
  }
  if (timestampSeconds === null || signatures.length === 0) return null;
  return { timestampSeconds, signatures };
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** Checks a webhook signature. Never throws; returns a result with a stable failure code. */
export function verifySignature(options: VerifyOptions): VerifyResult {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!options.secret) return { ok: false, code: 'secret_missing', message: 'No webhook secret configured' };
  if (!options.header) return { ok: false, code: 'header_missing', message: `No ${SIGNATURE_HEADER} header` };
  const parsed = parseSignatureHeader(options.header);
  if (!parsed) {
    return { ok: false, code: 'header_malformed', message: `${SIGNATURE_HEADER} header must be t=…,v1=…` };
  }
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSeconds - parsed.timestampSeconds) > toleranceSeconds) {
    return {
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: `Signature timestamp is more than ${toleranceSeconds}s away from now`,
    };
  }
  const expected = computeSignature(options.secret, parsed.timestampSeconds, options.payload);
  // Compare against every candidate so the time taken does not depend on which one matched.
  let matched = false;
  for (const candidate of parsed.signatures) {
    if (constantTimeEqualHex(candidate, expected)) matched = true;
  }
  if (!matched) return { ok: false, code: 'signature_mismatch', message: 'No signature matches the payload' };
  return { ok: true, timestampSeconds: parsed.timestampSeconds };
}

export class WebhookVerificationError extends Error {
  readonly code: VerifyFailureCode;
  constructor(code: VerifyFailureCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

export interface WebhookEvent<TObject = Record<string, unknown>> {
  id: string;
  type: WebhookEventType | (string & {});
  created: number;
  data: { object: TObject };
}

export type WebhookEventType =
  | 'checkout.authorized'
  | 'checkout.captured'
  | 'checkout.canceled'
  | 'checkout.expired'
  | 'refund.succeeded';

/**
 * Verifies the signature and parses the event (Stripe's `constructEvent`).
 * Throws `WebhookVerificationError` when the signature does not hold.
 */
export function constructEvent<TObject = Record<string, unknown>>(
  options: VerifyOptions,
): WebhookEvent<TObject> {
  const result = verifySignature(options);
  if (!result.ok) throw new WebhookVerificationError(result.code, result.message);
  const text =
    typeof options.payload === 'string' ? options.payload : new TextDecoder().decode(options.payload);
  const event = JSON.parse(text) as WebhookEvent<TObject>;
  if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
    throw new WebhookVerificationError('header_malformed', 'Payload is not a Fenqi event');
  }
  return event;
}
