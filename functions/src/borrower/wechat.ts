/**
 * WeChat `jscode2session` adapter. The code from `wx.login` is exchanged server-side with
 * the app id and secret; only the openid is used. The `session_key` is dropped here and never
 * stored, logged or returned. Tests replace the transport with `setWechatTransport`.
 */
import { ApiError } from '../http/errors';

export interface WechatSession {
  openid: string;
  unionid?: string;
}

export type WechatTransport = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{ status: number; json(): Promise<unknown> }>;

let transport: WechatTransport = (url, init) => fetch(url, init);

export function setWechatTransport(t: WechatTransport | undefined): void {
  transport = t ?? ((url, init) => fetch(url, init));
}

const ENDPOINT = 'https://api.weixin.qq.com/sns/jscode2session';
const TIMEOUT_MS = 5_000;

export async function exchangeCode(
  creds: { appId: string; appSecret: string },
  code: string,
): Promise<WechatSession> {
  const url = `${ENDPOINT}?appid=${encodeURIComponent(creds.appId)}&secret=${encodeURIComponent(creds.appSecret)}&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`;
  let payload: { openid?: unknown; unionid?: unknown; errcode?: unknown; session_key?: unknown };
  try {
    const res = await transport(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`wechat status ${res.status}`);
    payload = (await res.json()) as typeof payload;
  } catch {
    throw new ApiError(
      'api_error',
      'wechat_unavailable',
      'WeChat login is unavailable right now; try again.',
      undefined,
      { status: 503 },
    );
  }
  const errcode = typeof payload.errcode === 'number' ? payload.errcode : 0;
  if (errcode === 45011)
    throw new ApiError('rate_limit', 'rate_limited', 'Too many login attempts; wait a minute.');
  if (errcode === 40029 || errcode === 40163 || errcode === 40226) {
    throw new ApiError(
      'authentication',
      'invalid_code',
      'The login code is invalid or was already used.',
      'code',
    );
  }
  if (errcode !== 0 || typeof payload.openid !== 'string' || payload.openid.length === 0) {
    throw new ApiError('api_error', 'wechat_unavailable', 'WeChat login failed; try again.', undefined, {
      status: 503,
    });
  }
  return typeof payload.unionid === 'string'
    ? { openid: payload.openid, unionid: payload.unionid }
    : { openid: payload.openid };
}
