/**
 * POST /v1/auth/session: `wx.login` code → our own signed session token.
 * - With WeChat credentials: the code is exchanged with jscode2session; only the openid is
 *   kept (hashed); the client's claims about its identity are never read.
 * - Without them (dev/test only, never production): `dev:<name>` logs in as a stable demo user.
 * - Rate limited per code and per IP (counted in `login_attempts`, so every instance agrees).
 * - A successful login is also recorded under the user id with the `X-Device-Id` (risk control:
 *   logins from several devices; the device factor of a step-up).
 */
import { createHmac } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { newId, schema, withTransaction } from '../db';
import { newSessionId, signSession } from '../http/auth';
import { ApiError } from '../http/errors';
import type { RouteContext } from '../http/route';
import { deviceIdOf } from '../risk-gate';
import { exchangeCode } from './wechat';

export const DEV_CODE = /^dev:([A-Za-z0-9_.-]{1,64})$/;

/** HMAC of an identifier with the identity pepper; what the database stores instead of it. */
export function identityHash(config: AppConfig, kind: string, value: string): string {
  return createHmac('sha256', config.identityPepper).update(`${kind}:${value}`).digest('hex');
}

/** The openid hash of a `dev:<name>` demo user — for the seed, so it creates users this login finds. */
export function devOpenidHash(config: AppConfig, name: string): string {
  return identityHash(config, 'openid', `dev:${name}`);
}

export async function createSession(ctx: RouteContext<{ code: string }, unknown>) {
  const { config, database, now } = ctx;
  const code = ctx.body.code;
  const codeHash = identityHash(config, 'code', code);
  const ipHash = identityHash(config, 'ip', ctx.ip);
  const deviceId = deviceIdOf(ctx.headers) ?? null;

  await enforceRateLimit(ctx, codeHash, ipHash);

  let openid: string;
  let nickname: string | null = null;
  try {
    const dev = DEV_CODE.exec(code);
    if (config.wechat) {
      openid = (await exchangeCode(config.wechat, code)).openid;
    } else if (dev && config.devLoginAllowed) {
      openid = code;
      nickname = dev[1] ?? null;
    } else if (dev) {
      throw new ApiError(
        'authentication',
        'dev_login_disabled',
        'dev: login codes are not accepted in this configuration.',
        'code',
      );
    } else {
      throw new ApiError(
        'authentication',
        'invalid_code',
        'The login code is invalid or was already used.',
        'code',
      );
    }
  } catch (err) {
    await recordAttempt(ctx, { subject: codeHash, ipHash, deviceId, success: false });
    throw err;
  }

  const openidHash = identityHash(config, 'openid', openid);
  const user = await withTransaction(database, async (tx) => {
    await tx
      .insert(schema.users)
      .values({ id: newId('usr'), openidHash, nickname, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: schema.users.openidHash });
    const [row] = await tx
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(eq(schema.users.openidHash, openidHash));
    if (!row) throw new Error('createSession: user row missing after upsert');
    await tx.insert(schema.loginAttempts).values([
      // Rate limiting (per code and per IP).
      {
        id: newId('lga'),
        subject: codeHash,
        kind: 'session',
        success: true,
        deviceId,
        ipHash,
        createdAt: now,
      },
      // The login per user, for risk control: the multi-device rule (read only with the user's
      // `device_info` authorisation) and the step-up "device used before" factor. No IP hash,
      // so the per-IP rate limit counts each login once.
      { id: newId('lga'), subject: row.id, kind: 'session', success: true, deviceId, createdAt: now },
    ]);
    return row;
  });

  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + config.sessionTtlSeconds;
  const token = signSession({ sub: user.id, sid: newSessionId(), iat, exp }, config.sessionSecret);
  return { token, expires_at: new Date(exp * 1000).toISOString(), user: { id: user.id } };
}

async function enforceRateLimit(
  ctx: RouteContext<unknown, unknown>,
  codeHash: string,
  ipHash: string,
): Promise<void> {
  const { windowSeconds, perCode, perIp } = ctx.config.loginRateLimit;
  const since = new Date(ctx.now.getTime() - windowSeconds * 1000);
  const t = schema.loginAttempts;
  const count = sql<number>`count(*)::int`;
  const [byCode] = await ctx.database.db
    .select({ n: count })
    .from(t)
    .where(and(eq(t.subject, codeHash), eq(t.kind, 'session'), gt(t.createdAt, since)));
  const [byIp] = await ctx.database.db
    .select({ n: count })
    .from(t)
    .where(and(eq(t.ipHash, ipHash), eq(t.kind, 'session'), gt(t.createdAt, since)));
  if (Number(byCode?.n ?? 0) >= perCode || Number(byIp?.n ?? 0) >= perIp) {
    throw new ApiError(
      'rate_limit',
      'rate_limited',
      'Too many login attempts; wait a minute and try again.',
      undefined,
      {
        headers: { 'Retry-After': String(windowSeconds) },
      },
    );
  }
}

async function recordAttempt(
  ctx: RouteContext<unknown, unknown>,
  a: { subject: string; ipHash: string; deviceId: string | null; success: boolean },
): Promise<void> {
  await ctx.database.db.insert(schema.loginAttempts).values({
    id: newId('lga'),
    subject: a.subject,
    kind: 'session',
    success: a.success,
    deviceId: a.deviceId,
    ipHash: a.ipHash,
    createdAt: ctx.now,
  });
}
