/**
 * A typed client for the Fenqi merchant API (server to server). Dependency-free: uses the
 * platform `fetch` (Node ≥ 18) or one passed in.
 *
 * Every POST carries an `Idempotency-Key`; when the caller gives none the client makes one per
 * call, so a retry of the same call object (`withRetry`) never causes a second effect.
 */
import { randomUUID } from 'node:crypto';
import type { WebhookEvent } from './signature';

export type CaptureMethod = 'automatic' | 'manual';
export type CheckoutStatus =
  | 'open'
  | 'authorized'
  | 'captured'
  | 'partially_refunded'
  | 'refunded'
  | 'canceled'
  | 'expired';

export type SceneCategory =
  | 'education'
  | 'medical'
  | 'travel'
  | 'dining'
  | 'retail'
  | 'digital'
  | 'home'
  | 'auto'
  | 'leisure';

export interface Checkout {
  id: string;
  object: 'checkout';
  token: string;
  out_trade_no: string;
  /** Order amount in fen. */
  amount: number;
  currency: 'CNY';
  scene: SceneCategory;
  description: string;
  notify_url: string;
  return_path: string | null;
  capture_method: CaptureMethod;
  status: CheckoutStatus;
  installments: number | null;
  authorized_amount: number;
  captured_amount: number;
  refunded_amount: number;
  livemode: boolean;
  expires_at: string;
  authorized_at: string | null;
  captured_at: string | null;
  canceled_at: string | null;
  created_at: string;
}

export interface Refund {
  id: string;
  object: 'refund';
  checkout_id: string;
  out_refund_no: string;
  amount: number;
  currency: 'CNY';
  status: 'succeeded';
  created_at: string;
}

export interface CreateCheckoutParams {
  out_trade_no: string;
  amount: number;
  currency: 'CNY';
  scene: SceneCategory;
  description: string;
  notify_url: string;
  return_path?: string;
  capture_method?: CaptureMethod;
  /** Seconds until the checkout expires (default 1800). */
  expires_in?: number;
}

export interface ListParams {
  limit?: number;
  starting_after?: string;
}

export interface List<T> {
  data: T[];
  has_more: boolean;
}

export interface FenqiErrorBody {
  error: { type: string; code: string; message: string; param?: string; request_id?: string };
}

export class FenqiApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | undefined;
  readonly requestId: string | undefined;
  constructor(status: number, body: FenqiErrorBody['error']) {
    super(body.message);
    this.name = 'FenqiApiError';
    this.status = status;
    this.type = body.type;
    this.code = body.code;
    this.param = body.param;
    this.requestId = body.request_id;
  }
}

export interface RequestOptions {
  idempotencyKey?: string;
}

export interface FenqiClientOptions {
  apiKey: string;
  /** e.g. `https://fenqi.example.com` — without `/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class FenqiClient {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: FenqiClientOptions) {
    if (!/^sk_(test|live)_/.test(options.apiKey))
      throw new Error('apiKey must start with sk_test_ or sk_live_');
    this.apiKey = options.apiKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  createCheckout(params: CreateCheckoutParams, options: RequestOptions = {}): Promise<Checkout> {
    return this.request('POST', '/v1/merchant/checkouts', params, options);
  }

  retrieveCheckout(id: string): Promise<Checkout> {
    return this.request('GET', `/v1/merchant/checkouts/${encodeURIComponent(id)}`);
  }

  /** Captures an authorised manual checkout; without `amount` the whole authorised amount. */
  captureCheckout(
    id: string,
    params: { amount?: number } = {},
    options: RequestOptions = {},
  ): Promise<Checkout> {
    return this.request('POST', `/v1/merchant/checkouts/${encodeURIComponent(id)}/capture`, params, options);
  }

  cancelCheckout(id: string, options: RequestOptions = {}): Promise<Checkout> {
    return this.request('POST', `/v1/merchant/checkouts/${encodeURIComponent(id)}/cancel`, {}, options);
  }

  createRefund(
    checkoutId: string,
    params: { amount: number; out_refund_no: string },
    options: RequestOptions = {},
  ): Promise<Refund> {
    return this.request(
      'POST',
      `/v1/merchant/checkouts/${encodeURIComponent(checkoutId)}/refunds`,
      params,
      options,
    );
  }

  listEvents(params: ListParams = {}): Promise<List<WebhookEvent>> {
    const query = new URLSearchParams();
    if (params.limit !== undefined) query.set('limit', String(params.limit));
    if (params.starting_after !== undefined) query.set('starting_after', params.starting_after);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.request('GET', `/v1/merchant/events${suffix}`);
  }

  /** Asks Fenqi to deliver an event again (same event id). */
  redeliverEvent(
    eventId: string,
    options: RequestOptions = {},
  ): Promise<{ id: string; redelivery_scheduled: true }> {
    return this.request('POST', `/v1/merchant/events/${encodeURIComponent(eventId)}/redeliver`, {}, options);
  }

  /**
   * Issues a new secret key for this key's mode and retires the current ones after
   * `expire_current_in` seconds (0 = at once). The new key is in `secret`, shown only here.
   */
  rotateApiKey(params: { expire_current_in?: number } = {}): Promise<{
    object: 'api_key';
    secret: string;
    prefix: string;
    livemode: boolean;
    previous_keys_expire_at: string;
  }> {
    return this.request('POST', '/v1/merchant/api-keys/rotate', params);
  }

  /**
   * Issues a new webhook secret (`whsec_…`, in `secret`, shown only here) for this key's mode.
   * The current secrets keep signing alongside it — one `v1=` each in `Fenqi-Signature` — for
   * `expires_in` seconds (default 86 400, 0 = at once, at most 7 days): deploy the new secret
   * within that window; `verifySignature` accepts either meanwhile.
   */
  rotateWebhookSecret(params: { expires_in?: number } = {}): Promise<{
    object: 'webhook_secret';
    secret: string;
    livemode: boolean;
    previous_secrets_expire_at: string;
  }> {
    return this.request('POST', '/v1/merchant/webhook-secret/rotate', params);
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json',
    };
    let payload: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
      payload = JSON.stringify(body ?? {});
    }
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    const json: unknown = text.length > 0 ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = (json as FenqiErrorBody | null)?.error;
      throw new FenqiApiError(response.status, {
        type: error?.type ?? 'api_error',
        code: error?.code ?? 'unexpected_response',
        message: error?.message ?? `HTTP ${response.status}`,
        param: error?.param,
        request_id: error?.request_id ?? response.headers.get('x-request-id') ?? undefined,
      });
    }
    return json as T;
  }
}
