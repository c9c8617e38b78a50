/**
 * Authentication for the route table's `auth` kinds. User sessions are our own HMAC-signed
 * tokens (`fq1.<payload>.<signature>`, base64url); merchant authentication is registered by
 * the merchant area (`registerAuthenticator('merchant', …)`); cron uses CRON_SECRET.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config';
import type { Database } from '../db';
import { ApiError } from './errors';
import type { AuthKind, Principal } from './route';

const TOKEN_PREFIX = 'fq1';

export interface SessionClaims {
  /** user id */
  sub: string;
  /** session id (random, for audit and future revocation) */
  sid: string;
  /** issued at / expires at, unix seconds */
  iat: number;
  exp: number;
}

export function signSession(claims: SessionClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${TOKEN_PREFIX}.${payload}`).digest('base64url');
  return `${TOKEN_PREFIX}.${payload}.${sig}`;
}

export function newSessionId(): string {
  return `ses_${randomBytes(12).toString('base64url')}`;
}

/** Verifies signature and expiry against the service clock. */
export function verifySession(token: string, secret: string, now: Date): SessionClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX || token.length > 1024) throw invalidToken();
  const [, payload = '', sig = ''] = parts;
  const expected = createHmac('sha256', secret).update(`${TOKEN_PREFIX}.${payload}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
  let claims: SessionClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
  } catch {
    throw invalidToken();
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.sid !== 'string')
    throw invalidToken();
  if (claims.exp * 1000 <= now.getTime()) {
    throw new ApiError('authentication', 'token_expired', 'The session has expired; log in again.');
  }
  return claims;
}

const invalidToken = () => new ApiError('authentication', 'invalid_token', 'The session token is not valid.');

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer ([^\s]+)$/.exec(h);
  if (!m)
    throw new ApiError(
      'authentication',
      'invalid_authorization_header',
      'Use "Authorization: Bearer <token>".',
    );
  return m[1];
}

export type Authenticator = (args: {
  req: IncomingMessage;
  token: string;
  database: Database;
  config: AppConfig;
  now: Date;
}) => Promise<Principal>;

const registry: Partial<Record<'merchant', Authenticator>> = {};

/** Lets another area supply an authenticator (the merchant area: API keys). */
export function registerAuthenticator(kind: 'merchant', fn: Authenticator): void {
  registry[kind] = fn;
}

export async function authenticate(
  kind: AuthKind,
  args: { req: IncomingMessage; database: Database; config: AppConfig; now: Date },
): Promise<Principal> {
  if (kind === 'none') return { kind: 'none' };
  const token = bearerToken(args.req);
  if (kind === 'cron') return authenticateCron(token, args.config);
  if (!token)
    throw new ApiError('authentication', 'missing_credentials', 'Send "Authorization: Bearer <token>".');
  if (kind === 'user') {
    const claims = verifySession(token, args.config.sessionSecret, args.now);
    return { kind: 'user', userId: claims.sub, sessionId: claims.sid };
  }
  const fn = registry.merchant;
  if (!fn)
    throw new ApiError(
      'api_error',
      'merchant_auth_unavailable',
      'Merchant authentication is not configured.',
      undefined,
      { status: 503 },
    );
  return fn({ ...args, token });
}

function authenticateCron(token: string | undefined, config: AppConfig): Principal {
  if (!config.cronSecret) {
    if (config.mode === 'production')
      throw new ApiError('authentication', 'cron_not_configured', 'CRON_SECRET is not set.');
    return { kind: 'cron' }; // dev/test without a secret: the local runtime triggers it freely
  }
  if (!token || !safeEqual(token, config.cronSecret)) {
    throw new ApiError('authentication', 'invalid_cron_secret', 'The cron secret is not valid.');
  }
  return { kind: 'cron' };
}

export function safeEqual(a: string, b: string): boolean {
  const ha = createHmac('sha256', 'cmp').update(a).digest();
  const hb = createHmac('sha256', 'cmp').update(b).digest();
  return timingSafeEqual(ha, hb);
}
