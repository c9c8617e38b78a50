/**
 * The one wrapper around `Taro.request`: base URL, session token (login on demand and once
 * more on a 401), `Idempotency-Key` on every POST (kept across retries), bounded retries
 * on network failures, 5xx and 409 "in progress", and one error type.
 */
import Taro from '@tarojs/taro';
import { newIdempotencyKey } from './idempotency';
import type { Session } from './types';

export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'idempotency'
  | 'business_rule'
  | 'rate_limit'
  | 'api_error'
  | 'network';

/** Every failure a page can see. `code` is the server's stable code (or `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly status: number,
    readonly param?: string,
    readonly requestId?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const SESSION_KEY = 'fenqi.session';
const DEV_NAME_KEY = 'fenqi.dev_user';
const DEVICE_KEY = 'fenqi.device_id';
const RETRIES_MAX = 2;

/** A random id for this installation, sent as `X-Device-Id` (risk rules, step-up device factor). */
export function deviceId(): string {
  const stored = Taro.getStorageSync(DEVICE_KEY) as string | undefined;
  if (stored && /^[A-Za-z0-9_-]{1,64}$/.test(stored)) return stored;
  const id = `dev_${newIdempotencyKey().slice(-24)}`;
  Taro.setStorageSync(DEVICE_KEY, id);
  return id;
}

function apiBase(): string {
  // H5 is served from the same origin as the API; weapp needs an absolute origin.
  return process.env.TARO_ENV === 'h5' ? '' : FENQI_API_BASE;
}

function readSession(): Session | undefined {
  const raw = Taro.getStorageSync(SESSION_KEY) as Session | '' | undefined;
  if (!raw || typeof raw !== 'object' || !raw.token) {
    return undefined;
  }
  if (raw.expires_at && Date.parse(raw.expires_at) <= Date.now() + 60_000) {
    return undefined;
  }
  return raw;
}

/** `?user=` from the page URL (search or hash part), for the H5 dev/test login. */
function userFromUrl(): string | undefined {
  if (process.env.TARO_ENV !== 'h5' || typeof window === 'undefined' || !window.location) {
    return undefined;
  }
  const { search, hash } = window.location;
  const fromSearch = new URLSearchParams(search).get('user');
  const hashQuery = hash.includes('?') ? hash.slice(hash.indexOf('?')) : '';
  const fromHash = new URLSearchParams(hashQuery).get('user');
  const name = fromSearch ?? fromHash ?? undefined;
  return name && /^[\w.-]{1,64}$/.test(name) ? name : undefined;
}

function devUserName(): string {
  const fromUrl = userFromUrl();
  const stored = Taro.getStorageSync(DEV_NAME_KEY) as string | undefined;
  if (fromUrl) {
    if (stored !== fromUrl) {
      Taro.removeStorageSync(SESSION_KEY);
      Taro.setStorageSync(DEV_NAME_KEY, fromUrl);
    }
    return fromUrl;
  }
  if (stored) {
    return stored;
  }
  const generated = `guest-${newIdempotencyKey().slice(-10)}`;
  Taro.setStorageSync(DEV_NAME_KEY, generated);
  return generated;
}

async function loginCode(): Promise<string> {
  // H5 exists for dev/test only; a weapp build may opt in with FENQI_DEV_LOGIN=1.
  // The server refuses `dev:` codes in production configuration.
  if (process.env.TARO_ENV === 'h5' || FENQI_DEV_LOGIN === '1') {
    return `dev:${devUserName()}`;
  }
  const { code } = await Taro.login();
  return code;
}

let loginInFlight: Promise<Session> | undefined;

/** Logs in (once at a time) and stores the session. */
export async function login(): Promise<Session> {
  if (!loginInFlight) {
    loginInFlight = (async () => {
      const code = await loginCode();
      const session = await send<Session>('POST', '/v1/auth/session', { body: { code }, auth: false });
      Taro.setStorageSync(SESSION_KEY, session);
      return session;
    })().finally(() => {
      loginInFlight = undefined;
    });
  }
  return loginInFlight;
}

export function logout(): void {
  Taro.removeStorageSync(SESSION_KEY);
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** POST only; a fresh one per call when omitted. Reused on every retry of this call. */
  idempotencyKey?: string;
  auth?: boolean;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) {
    return path;
  }
  const parts = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

function toApiError(status: number, data: unknown, header: Record<string, string> | undefined): ApiError {
  const body =
    (data && typeof data === 'object' ? (data as { error?: Record<string, unknown> }).error : undefined) ??
    {};
  const { type, code, message, param, request_id, ...details } = body as Record<string, unknown>;
  const kind = (
    typeof type === 'string' ? type : status >= 500 ? 'api_error' : 'invalid_request'
  ) as ErrorKind;
  return new ApiError(
    kind,
    typeof code === 'string' ? code : `http_${status}`,
    typeof message === 'string' ? message : `HTTP ${status}`,
    status,
    typeof param === 'string' ? param : undefined,
    typeof request_id === 'string' ? request_id : (header?.['x-request-id'] ?? header?.['X-Request-Id']),
    details,
  );
}

function isRetryable(error: ApiError): boolean {
  if (error.kind === 'network' || error.status >= 500) {
    return true;
  }
  // A concurrent request with the same key is still running: wait and ask again.
  return error.status === 409 && error.code !== 'idempotency_key_reused';
}

async function sleep(ms: number): Promise<void> {
  await new Promise((done) => setTimeout(done, ms));
}

async function send<T>(method: 'GET' | 'POST' | 'PUT', path: string, options: RequestOptions): Promise<T> {
  const header: Record<string, string> = { 'content-type': 'application/json', 'x-device-id': deviceId() };
  if (options.auth !== false) {
    const session = readSession() ?? (await login());
    header.authorization = `Bearer ${session.token}`;
  }
  if (method === 'POST') {
    header['idempotency-key'] = options.idempotencyKey ?? newIdempotencyKey();
  }
  let lastError: ApiError | undefined;
  for (let attempt = 0; attempt <= RETRIES_MAX; attempt += 1) {
    if (attempt > 0) {
      await sleep(300 * 2 ** (attempt - 1));
    }
    let response: { statusCode: number; data: unknown; header: Record<string, string> };
    try {
      response = (await Taro.request({
        url: apiBase() + withQuery(path, options.query),
        method,
        header,
        data: options.body === undefined ? undefined : JSON.stringify(options.body),
        dataType: 'json',
        timeout: 15_000,
      })) as unknown as typeof response;
    } catch (cause) {
      lastError = new ApiError('network', 'network_error', String((cause as Error)?.message ?? cause), 0);
      continue;
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return response.data as T;
    }
    lastError = toApiError(response.statusCode, response.data, response.header);
    if (!isRetryable(lastError) || method === 'PUT' || (method === 'GET' && lastError.status === 409)) {
      throw lastError;
    }
  }
  throw lastError ?? new ApiError('network', 'network_error', 'request failed', 0);
}

/** An API call with the session; a 401 logs in again once and repeats the call. */
export async function call<T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const stable =
    method === 'POST'
      ? { ...options, idempotencyKey: options.idempotencyKey ?? newIdempotencyKey() }
      : options;
  try {
    return await send<T>(method, path, stable);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && options.auth !== false) {
      logout();
      await login();
      return send<T>(method, path, stable);
    }
    throw error;
  }
}
