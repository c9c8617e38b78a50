/**
 * Staff (operations / risk / compliance) authentication for the admin endpoints.
 *
 * `STAFF_TOKENS` = `staffId:token,staffId:token,…` (each token ≥ 24 characters), and/or
 * `ADMIN_TOKEN` (acts as staff id `admin`). Each person has their own token, so the four
 * approvers of a vault access are four authenticated people, not four names typed in.
 * Dev/test without either variable: staff `ops_1` … `ops_5` with tokens `dev-staff-ops_N`
 * (public, never accepted in production, where the endpoints answer 403 until configured).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '../config';
import { ApiError } from '../http/errors';

export function staffTokens(
  config: Pick<AppConfig, 'mode'>,
  env: NodeJS.ProcessEnv = process.env,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (env.STAFF_TOKENS ?? '').split(',')) {
    const p = part.trim();
    if (!p) continue;
    const i = p.indexOf(':');
    const id = p.slice(0, i);
    const token = p.slice(i + 1);
    if (i <= 0 || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || token.length < 24) continue;
    out.set(token, id);
  }
  const admin = env.ADMIN_TOKEN?.trim();
  if (admin && admin.length >= 24) out.set(admin, 'admin');
  if (out.size === 0 && config.mode !== 'production') {
    for (let n = 1; n <= 5; n++) out.set(`dev-staff-ops_${n}`, `ops_${n}`);
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The authenticated staff id, or a 401/403 ApiError. */
export function authenticateStaff(
  headers: IncomingHttpHeaders,
  config: Pick<AppConfig, 'mode'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const tokens = staffTokens(config, env);
  if (tokens.size === 0)
    throw new ApiError(
      'permission',
      'staff_auth_not_configured',
      'Staff access is not configured on this deployment.',
    );
  const h = headers.authorization;
  const m = typeof h === 'string' ? /^Bearer (\S+)$/.exec(h) : null;
  if (!m?.[1])
    throw new ApiError(
      'authentication',
      'staff_token_required',
      'Send "Authorization: Bearer <staff token>".',
    );
  for (const [token, id] of tokens) if (safeEqual(token, m[1])) return id;
  throw new ApiError('authentication', 'invalid_staff_token', 'The staff token is not valid.');
}
