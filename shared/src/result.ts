/**
 * Expected business outcomes are values, not exceptions (TigerBeetle style): a refusal carries a
 * stable snake_case `code`, an optional offending `param` (wire name) and an English message.
 * Programmer errors (impossible inputs that validation must already have rejected) are `assert`s.
 */

/** Every refusal code the domain core can return. Stable: the HTTP layer sends them verbatim. */
export const REFUSAL_CODES = [
  'credit_limit_exceeded',
  'credit_line_frozen',
  'consumer_cap_exceeded',
  'health_score_too_low',
  'cooling_off_required',
  'cooling_off_active',
  'education_required',
  'amount_out_of_range',
  'term_out_of_range',
  'method_not_allowed',
  'fee_option_not_allowed',
  'scene_category_unknown',
  'proof_required',
  'temporary_increase_too_large',
  'temporary_increase_renewal_exhausted',
  'temporary_increase_not_active',
  'grace_limit_reached',
  'grace_not_applicable',
  'payment_amount_invalid',
  'loan_not_active',
  'refund_amount_invalid',
  'quiz_answers_incomplete',
  'credit_score_too_low',
  'income_insufficient',
  'high_risk',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal<C extends RefusalCode = RefusalCode> {
  readonly ok: false;
  readonly code: C;
  readonly message: string;
  /** Offending request field, in wire (snake_case) spelling, e.g. `principal_amount`. */
  readonly param?: string;
}

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export type Result<T, C extends RefusalCode = RefusalCode> = Ok<T> | Refusal<C>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function refuse<C extends RefusalCode>(code: C, message: string, param?: string): Refusal<C> {
  return param === undefined ? { ok: false, code, message } : { ok: false, code, message, param };
}

/** Thrown only for programmer errors; never for an expected business outcome. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Programmer-error check with a constant message. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
