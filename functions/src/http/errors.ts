/**
 * The one error type of the HTTP layer. Every failure a client can see is an `ApiError`
 * with a stable snake_case `code`; the HTTP status follows from the `type` (api-contract.md
 * "Errors"), with a few fixed exceptions (413 body_too_large, 405, 503) given explicitly.
 */
export type ErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'idempotency'
  | 'business_rule'
  | 'rate_limit'
  | 'api_error';

const STATUS_BY_TYPE: Record<ErrorType, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  idempotency: 409,
  business_rule: 422,
  rate_limit: 429,
  api_error: 500,
};

/** Statuses a type may carry instead of its default; anything else is a programmer error. */
const ALLOWED_STATUS_OVERRIDES: Record<ErrorType, readonly number[]> = {
  invalid_request: [405, 413, 415],
  authentication: [],
  permission: [],
  not_found: [],
  idempotency: [],
  business_rule: [],
  rate_limit: [],
  api_error: [503],
};

export interface ErrorBody {
  error: {
    type: ErrorType;
    code: string;
    message: string;
    param?: string;
    request_id: string;
    [extra: string]: unknown;
  };
}

export interface ErrorOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Extra machine-readable fields merged into the error object (e.g. `step_up`). */
  details?: Record<string, unknown>;
  /**
   * Commit what the transaction wrote before this error was thrown (evidence such as a risk
   * event or a step-up challenge) instead of rolling it back. Throw it before any effect.
   */
  commitWrites?: boolean;
}

export class ApiError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;
  readonly commitWrites: boolean;

  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly param?: string,
    options: ErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
    const status = options.status ?? STATUS_BY_TYPE[type];
    if (status !== STATUS_BY_TYPE[type] && !ALLOWED_STATUS_OVERRIDES[type].includes(status)) {
      throw new Error('ApiError: status does not belong to type');
    }
    this.status = status;
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.commitWrites = options.commitWrites ?? false;
  }

  toResponse(requestId: string): { status: number; headers: Record<string, string>; body: ErrorBody } {
    const body: ErrorBody = {
      error: {
        ...(this.details ?? {}),
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        request_id: requestId,
      },
    };
    return { status: this.status, headers: this.headers, body };
  }
}

// Short constructors for the common cases keep handlers one line per failure.
export const invalid = (code: string, message: string, param?: string) =>
  new ApiError('invalid_request', code, message, param);
export const notFound = (what: string, param?: string) =>
  new ApiError('not_found', `${what}_not_found`, `No such ${what.replace(/_/g, ' ')}.`, param);
export const rule = (code: string, message: string, param?: string, details?: Record<string, unknown>) =>
  new ApiError('business_rule', code, message, param, details ? { details } : {});
export const unauthenticated = (code: string, message: string) =>
  new ApiError('authentication', code, message);
export const forbidden = (code: string, message: string) => new ApiError('permission', code, message);

/**
 * Any thrown value → ApiError. Unknown errors become a generic 500; the caller logs the
 * original (without request bodies or PII) under the request id.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isUnavailable(err)) {
    return new ApiError(
      'api_error',
      'service_unavailable',
      'The service is briefly unavailable; retry later.',
      undefined,
      {
        status: 503,
        headers: { 'Retry-After': '1' },
      },
    );
  }
  return new ApiError(
    'api_error',
    'internal_error',
    'Something went wrong on our side. Quote the request id if you contact us.',
  );
}

/** Serialization failures and deadlocks that survived the retries, or a lost connection. */
function isUnavailable(err: unknown): boolean {
  const code = pgCode(err);
  return code === '40001' || code === '40P01' || code === '57P01' || code === '08006' || code === '08003';
}

/** Postgres SQLSTATE of an error, looking through drizzle's `cause` wrapper. */
export function pgCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What may be logged about an unexpected error: class, SQLSTATE, message without values. */
export function describeForLog(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error_kind: typeof err };
  const code = pgCode(err);
  // Drizzle puts the SQL text and its parameters into the message; parameters can hold PII.
  // Long digit runs (phone, ID-card, bank-card numbers) are masked as a last line of defence.
  const message = err.message
    .split('\nparams:')[0]
    ?.slice(0, 500)
    .replace(/\d{6,}/g, '[digits]');
  return {
    error_kind: err.name,
    pg_code: code,
    error_message: message,
    stack: err.stack?.split('\n').slice(1, 6).join(' | '),
  };
}
