/**
 * Runtime configuration, read once from the environment. Every secret comes from here;
 * production refuses to start without them.
 */
import { createHash } from 'node:crypto';

export type Mode = 'production' | 'development' | 'test';

export interface VaultKey {
  id: string;
  /** 32 bytes for AES-256-GCM. */
  key: Buffer;
}

export interface AppConfig {
  mode: Mode;
  /** HMAC key for session tokens (SESSION_SECRET; required in production). */
  sessionSecret: string;
  /**
   * IDENTITY_PEPPER: HMAC key for stored identifiers (openid hash, login-attempt subjects).
   * Never rotate it casually: users are found by the openid hash. Required in production.
   */
  identityPepper: string;
  /** Login rate limits per window (LOGIN_RATE_WINDOW_SECONDS, LOGIN_RATE_PER_CODE, LOGIN_RATE_PER_IP). */
  loginRateLimit: { windowSeconds: number; perCode: number; perIp: number };
  /** Session lifetime (SESSION_TTL_SECONDS, default 7 days). */
  sessionTtlSeconds: number;
  /** WeChat mini-program credentials (WECHAT_APP_ID / WECHAT_APP_SECRET). */
  wechat?: { appId: string; appSecret: string };
  /**
   * VAULT_KEYS = `id1:base64key1,id2:base64key2` — the first key encrypts, all decrypt
   * (rotation). Required in production; dev/test derive a fixed key from the mode.
   */
  vaultKeys: VaultKey[];
  /** CRON_SECRET: Vercel cron sends `Authorization: Bearer <CRON_SECRET>`. */
  cronSecret?: string;
  /** Largest request body accepted (bytes). */
  bodyLimitBytes: number;
  /** `dev:<name>` login codes allowed (no WeChat credentials and not production). */
  devLoginAllowed: boolean;
  /** `POST /v1/test/clock` exists (test/dev only). */
  testClockEnabled: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * FENQI_MODE wins; otherwise NODE_ENV=production → production, NODE_ENV=test or VITEST →
 * test, else development. `NODE_ENV=production` can never be downgraded by FENQI_MODE.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const mode = resolveMode(env);
  const production = mode === 'production';

  const sessionSecret = env.SESSION_SECRET ?? '';
  if (production && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be set (≥ 32 characters) in production');
  }

  const appId = env.WECHAT_APP_ID?.trim();
  const appSecret = env.WECHAT_APP_SECRET?.trim();
  if (Boolean(appId) !== Boolean(appSecret)) {
    throw new ConfigError('set both WECHAT_APP_ID and WECHAT_APP_SECRET, or neither');
  }
  const wechat = appId && appSecret ? { appId, appSecret } : undefined;
  if (production && !wechat)
    throw new ConfigError('WECHAT_APP_ID and WECHAT_APP_SECRET are required in production');

  const vaultKeys = parseVaultKeys(env.VAULT_KEYS, mode);
  const cronSecret = env.CRON_SECRET?.trim() || undefined;
  if (production && !cronSecret) throw new ConfigError('CRON_SECRET is required in production');

  const identityPepper = env.IDENTITY_PEPPER ?? '';
  if (production && identityPepper.length < 32)
    throw new ConfigError('IDENTITY_PEPPER must be set (≥ 32 characters) in production');
  const loginRateLimit = {
    windowSeconds: intEnv(env.LOGIN_RATE_WINDOW_SECONDS, 60),
    perCode: intEnv(env.LOGIN_RATE_PER_CODE, production ? 5 : 30),
    perIp: intEnv(env.LOGIN_RATE_PER_IP, production ? 30 : 600),
  };

  const ttl = env.SESSION_TTL_SECONDS ? Number(env.SESSION_TTL_SECONDS) : 7 * 24 * 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 30 * 24 * 3600) {
    throw new ConfigError('SESSION_TTL_SECONDS must be an integer between 60 and 2592000');
  }

  return {
    mode,
    sessionSecret: sessionSecret || devSecret(mode, 'session'),
    sessionTtlSeconds: ttl,
    identityPepper: identityPepper || devSecret(mode, 'identity'),
    loginRateLimit,
    ...(wechat ? { wechat } : {}),
    vaultKeys,
    ...(cronSecret ? { cronSecret } : {}),
    bodyLimitBytes: 64 * 1024,
    devLoginAllowed: !production && !wechat,
    testClockEnabled: !production,
  };
}

function intEnv(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new ConfigError(`expected a positive integer, got ${raw}`);
  return n;
}

function resolveMode(env: NodeJS.ProcessEnv): Mode {
  if (env.NODE_ENV === 'production') return 'production';
  const m = env.FENQI_MODE;
  if (m === 'production' || m === 'development' || m === 'test') return m;
  if (m !== undefined && m !== '')
    throw new ConfigError(`FENQI_MODE must be production, development or test (got ${m})`);
  if (env.NODE_ENV === 'test' || env.VITEST) return 'test';
  return 'development';
}

function parseVaultKeys(raw: string | undefined, mode: Mode): VaultKey[] {
  if (!raw?.trim()) {
    if (mode === 'production') throw new ConfigError('VAULT_KEYS is required in production');
    return [{ id: `dev-${mode}`, key: createHash('sha256').update(devSecret(mode, 'vault')).digest() }];
  }
  const keys = raw.split(',').map((part) => {
    const [id, b64] = part.trim().split(':');
    if (!id || !b64 || !/^[A-Za-z0-9_-]{1,32}$/.test(id))
      throw new ConfigError('VAULT_KEYS entries must be id:base64key');
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) throw new ConfigError(`VAULT_KEYS key ${id} must be 32 bytes (AES-256)`);
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    throw new ConfigError('VAULT_KEYS ids must be unique');
  return keys;
}

/** Fixed, publicly known secrets for dev/test only — never used when mode is production. */
function devSecret(mode: Mode, purpose: string): string {
  return `fenqi-insecure-${mode}-${purpose}-secret-do-not-use-in-production`;
}
