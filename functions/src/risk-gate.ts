/**
 * The call site for risk control on money-moving borrower actions. The risk area replaces
 * the default (allow everything) with `registerRiskGate(gate)` at import time; a gate may
 * return `step_up` or `refuse`/`freeze`, which the caller turns into the matching error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from './config';
import type { Database, Tx } from './db';
import { ApiError } from './http/errors';

export type RiskAction = 'borrow' | 'checkout_confirm' | 'disburse' | 'repay' | 'login';

export interface RiskInput {
  action: RiskAction;
  userId: string;
  amountFen: bigint;
  now: Date;
  requestId: string;
  /** Client hints the risk rules may use (never PII): device id header, session id. */
  deviceId?: string;
  sessionId?: string;
  idempotencyKey?: string;
  /** From `X-Device-Location` (used only with the user's `location` authorisation). */
  location?: GeoPoint;
  /**
   * The payment password (交易密码) the client sent with a borrow / checkout confirm. When the
   * user has set one, the gate requires it and verifies it; never logged, never stored.
   */
  paymentPassword?: string;
}

export interface GeoPoint {
  latitudeDeg: number;
  longitudeDeg: number;
}

export type RiskDecision =
  | { decision: 'allow' }
  | { decision: 'step_up'; challengeId?: string; rule: string; reason: string }
  | { decision: 'refuse'; rule: string; reason: string }
  | { decision: 'freeze'; rule: string; reason: string }
  /** The user's payment password is required and was missing, or was wrong (the attempt is recorded). */
  | {
      decision: 'payment_password';
      code: 'payment_password_required' | 'payment_password_incorrect';
      rule: 'payment_password';
      reason: string;
      attemptsRemaining?: number;
    };

export interface RiskGate {
  evaluate(
    input: RiskInput,
    deps: {
      tx: Tx;
      database: Database;
      config: AppConfig;
      /** The risk read, when the caller's snapshot already made it (risk/gate.ts `riskReadColumn`). */
      riskRead?: unknown;
    },
  ): Promise<RiskDecision>;
}

export const allowAllRiskGate: RiskGate = { evaluate: async () => ({ decision: 'allow' }) };

let current: RiskGate = allowAllRiskGate;

export function registerRiskGate(gate: RiskGate): void {
  if (typeof gate?.evaluate !== 'function') throw new Error('registerRiskGate: not a RiskGate');
  current = gate;
}

export function riskGate(): RiskGate {
  return current;
}

/**
 * Turns a decision other than allow into the error the client acts on: `step_up_required`
 * (with the challenge to complete), `risk_declined`, `account_frozen`, or 422
 * `payment_password_required` / `payment_password_incorrect` (param `payment_password`). The
 * risk evidence the request wrote (and a wrong password attempt) is committed even though the
 * request fails; a missing password commits nothing.
 */
export function assertRiskAllows(decision: RiskDecision): void {
  if (decision.decision === 'allow') return;
  if (decision.decision === 'payment_password')
    throw paymentPasswordError(decision.code, 'payment_password', decision.attemptsRemaining ?? 0);
  if (decision.decision === 'step_up') {
    throw new ApiError('permission', 'step_up_required', decision.reason, undefined, {
      commitWrites: true,
      details: { step_up: { challenge_id: decision.challengeId ?? null, rule: decision.rule } },
    });
  }
  throw new ApiError(
    'business_rule',
    decision.decision === 'freeze' ? 'account_frozen' : 'risk_declined',
    decision.reason,
    undefined,
    { commitWrites: true, details: { rule: decision.rule } },
  );
}

// ---------------------------------------------------------------------------------------
// request → risk input

export interface RiskHints {
  deviceId?: string;
  sessionId?: string;
  idempotencyKey?: string;
  location?: GeoPoint;
}

/** The device id a client sends (`X-Device-Id`, as the mini-app makes them); otherwise none. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function deviceIdOf(headers: IncomingHttpHeaders): string | undefined {
  const h = headers['x-device-id'];
  return typeof h === 'string' && DEVICE_ID_PATTERN.test(h) ? h : undefined;
}

/** `<lat>,<lon>` in decimal degrees: optional sign, up to 3 integer and 10 fraction digits. */
const LOCATION_PATTERN = /^\s*([+-]?\d{1,3}(?:\.\d{1,10})?)\s*,\s*([+-]?\d{1,3}(?:\.\d{1,10})?)\s*$/;

/** Parses `X-Device-Location`; `undefined` when absent; 400 `invalid_header` when malformed. */
export function parseDeviceLocation(header: string | string[] | undefined): GeoPoint | undefined {
  if (header === undefined) return undefined;
  const m = typeof header === 'string' ? LOCATION_PATTERN.exec(header) : null;
  const latitudeDeg = Number(m?.[1]);
  const longitudeDeg = Number(m?.[2]);
  if (!m || !(latitudeDeg >= -90 && latitudeDeg <= 90) || !(longitudeDeg >= -180 && longitudeDeg <= 180)) {
    throw new ApiError(
      'invalid_request',
      'invalid_header',
      'X-Device-Location must be "<latitude>,<longitude>" in decimal degrees (latitude −90…90, longitude −180…180).',
      'X-Device-Location',
    );
  }
  return { latitudeDeg, longitudeDeg };
}

/**
 * The client hints of a request for `riskGate().evaluate`: device id, session id,
 * Idempotency-Key and location. Throws 400 on a malformed `X-Device-Location`.
 */
export function riskHints(ctx: {
  headers: IncomingHttpHeaders;
  principal: { kind: string; sessionId?: string };
  idempotencyKey?: string | undefined;
}): RiskHints {
  const deviceId = deviceIdOf(ctx.headers);
  const location = parseDeviceLocation(ctx.headers['x-device-location']);
  const sessionId = ctx.principal.kind === 'user' ? ctx.principal.sessionId : undefined;
  return {
    ...(deviceId ? { deviceId } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
    ...(location ? { location } : {}),
  };
}

/** `{ paymentPassword }` from a request body that may carry `payment_password`. */
export function paymentPasswordOf(body: unknown): { paymentPassword?: string } {
  const p = (body as { payment_password?: unknown } | null | undefined)?.payment_password;
  return typeof p === 'string' ? { paymentPassword: p } : {};
}

/**
 * The body as the Idempotency-Key's request hash sees it: without `payment_password` (a
 * SHA-256 over a body holding six digits is brute-forceable; and retrying the same request
 * with the password added after a step-up is still the same request).
 */
export function withoutPaymentPassword(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('payment_password' in body))
    return body;
  const { payment_password: _omitted, ...rest } = body as Record<string, unknown>;
  return rest;
}

/**
 * 422 `payment_password_required` (nothing recorded) or `payment_password_incorrect` (the
 * attempt it recorded commits with it), with the offending `param`.
 */
export function paymentPasswordError(
  code: 'payment_password_required' | 'payment_password_incorrect',
  param: string,
  attemptsRemaining: number,
): ApiError {
  if (code === 'payment_password_required')
    return new ApiError('business_rule', code, 'Send your six-digit payment password.', param);
  const n = attemptsRemaining;
  return new ApiError(
    'business_rule',
    code,
    n > 0
      ? `The payment password is wrong; ${n} more wrong ${n === 1 ? 'try switches' : 'tries switch'} to two-factor verification.`
      : 'The payment password is wrong; the next payment needs two-factor verification.',
    param,
    { commitWrites: true, details: { attempts_remaining: n } },
  );
}
