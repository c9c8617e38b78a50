import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { signSession, verifySession } from '../auth';
import { ApiError } from '../errors';

const secret = 'a'.repeat(40);
const now = new Date('2026-11-28T00:00:00Z');
const claims = { sub: 'usr_1', sid: 'ses_1', iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 60 };

describe('session tokens', () => {
  it('round-trips and expires', () => {
    const token = signSession(claims, secret);
    expect(verifySession(token, secret, now).sub).toBe('usr_1');
    expect(() => verifySession(token, secret, new Date(now.getTime() + 61_000))).toThrowError(
      expect.objectContaining({ code: 'token_expired' }) as unknown as Error,
    );
  });
  it('rejects a token signed with another secret or altered', () => {
    const token = signSession(claims, secret);
    expect(() => verifySession(token, 'b'.repeat(40), now)).toThrow(ApiError);
    const [p, payload, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'usr_2' })).toString('base64url');
    expect(() => verifySession(`${p}.${forged}.${sig}`, secret, now)).toThrow(ApiError);
    expect(() => verifySession(`${p}.${payload}`, secret, now)).toThrow(ApiError);
  });
});

describe('loadConfig', () => {
  const prod = {
    NODE_ENV: 'production',
    SESSION_SECRET: 's'.repeat(32),
    IDENTITY_PEPPER: 'p'.repeat(32),
    WECHAT_APP_ID: 'wx1',
    WECHAT_APP_SECRET: 'sec',
    CRON_SECRET: 'cron',
    VAULT_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  };
  it('production: no dev login, no test clock, every secret required', () => {
    const c = loadConfig(prod);
    expect(c).toMatchObject({ mode: 'production', devLoginAllowed: false, testClockEnabled: false });
    for (const k of [
      'SESSION_SECRET',
      'IDENTITY_PEPPER',
      'WECHAT_APP_ID',
      'CRON_SECRET',
      'VAULT_KEYS',
    ] as const) {
      expect(() => loadConfig({ ...prod, [k]: '' }), k).toThrow(ConfigError);
    }
  });
  it('FENQI_MODE cannot downgrade NODE_ENV=production', () => {
    expect(loadConfig({ ...prod, FENQI_MODE: 'test' }).mode).toBe('production');
  });
  it('dev/test: dev login only without WeChat credentials', () => {
    expect(loadConfig({ FENQI_MODE: 'test' })).toMatchObject({
      mode: 'test',
      devLoginAllowed: true,
      testClockEnabled: true,
    });
    expect(
      loadConfig({ FENQI_MODE: 'development', WECHAT_APP_ID: 'a', WECHAT_APP_SECRET: 'b' }).devLoginAllowed,
    ).toBe(false);
    expect(() => loadConfig({ FENQI_MODE: 'development', WECHAT_APP_ID: 'a' })).toThrow(ConfigError);
  });
});
