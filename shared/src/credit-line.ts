import { addDays, type BusinessDate } from './dates';
import type { Fen } from './money';
import { assert, ok, type Result, refuse } from './result';

/** Base line bounds (授信额度): ¥500 – ¥200,000. */
export const BASE_LIMIT_FEN_MIN = 50_000n;
export const BASE_LIMIT_FEN_MAX = 20_000_000n;
/** Temporary increase: at most 50 % of the base, valid 30 days, renewable once. */
export const TEMPORARY_SHARE_PERCENT_MAX = 50n;
export const TEMPORARY_VALID_DAYS = 30;
export const TEMPORARY_RENEWALS_MAX = 1;
/** Repaid principal becomes available again this many days after the repayment (T+1). */
export const RESTORE_AFTER_DAYS = 1;
const RESTORATIONS_MAX = 10_000;

export interface Restoration {
  readonly amountFen: Fen;
  /** Business date from which the amount counts as available again. */
  readonly availableOn: BusinessDate;
}

/**
 * A person's credit line. `usedFen` is principal drawn and not yet restored; repaid principal
 * waits in `pendingRestorations` until its T+1 date; `heldFen` is reserved by authorised,
 * uncaptured checkouts. Available = base + active temporary − used − held (+ matured
 * restorations), never below 0, and 0 while frozen.
 */
export interface CreditLine {
  readonly baseLimitFen: Fen;
  readonly temporaryLimitFen: Fen;
  /** First business date on which the temporary increase no longer counts; null when none. */
  readonly temporaryExpiresOn: BusinessDate | null;
  readonly temporaryRenewals: number;
  readonly usedFen: Fen;
  readonly heldFen: Fen;
  readonly pendingRestorations: readonly Restoration[];
  readonly frozen: boolean;
}

export function newCreditLine(baseLimitFen: Fen): CreditLine {
  assert(
    baseLimitFen >= BASE_LIMIT_FEN_MIN && baseLimitFen <= BASE_LIMIT_FEN_MAX,
    'credit line: base out of range',
  );
  return {
    baseLimitFen,
    temporaryLimitFen: 0n,
    temporaryExpiresOn: null,
    temporaryRenewals: 0,
    usedFen: 0n,
    heldFen: 0n,
    pendingRestorations: [],
    frozen: false,
  };
}

/** Temporary limit that counts on `asOf` (0 once expired). */
export function activeTemporaryFen(line: CreditLine, asOf: BusinessDate): Fen {
  return line.temporaryExpiresOn !== null && asOf < line.temporaryExpiresOn ? line.temporaryLimitFen : 0n;
}

/** Moves matured restorations (availableOn ≤ asOf) out of `usedFen`. Idempotent. */
export function settleRestorations(line: CreditLine, asOf: BusinessDate): CreditLine {
  let used = line.usedFen;
  const pending: Restoration[] = [];
  for (const r of line.pendingRestorations) {
    if (r.availableOn <= asOf) used -= r.amountFen;
    else pending.push(r);
  }
  if (pending.length === line.pendingRestorations.length) return line;
  assert(used >= 0n, 'credit line: used below zero');
  return { ...line, usedFen: used, pendingRestorations: pending };
}

export interface LineSummary {
  readonly baseLimitFen: Fen;
  readonly temporaryLimitFen: Fen;
  readonly temporaryExpiresOn: BusinessDate | null;
  readonly usedFen: Fen;
  readonly heldFen: Fen;
  readonly availableFen: Fen;
  readonly frozen: boolean;
}

/** What GET /v1/credit/line shows as of a date. */
export function summarizeLine(line: CreditLine, asOf: BusinessDate): LineSummary {
  const s = settleRestorations(line, asOf);
  const temporary = activeTemporaryFen(s, asOf);
  const free = s.baseLimitFen + temporary - s.usedFen - s.heldFen;
  return {
    baseLimitFen: s.baseLimitFen,
    temporaryLimitFen: temporary,
    temporaryExpiresOn: temporary > 0n ? s.temporaryExpiresOn : null,
    usedFen: s.usedFen,
    heldFen: s.heldFen,
    availableFen: s.frozen || free < 0n ? 0n : free,
    frozen: s.frozen,
  };
}

export function availableFen(line: CreditLine, asOf: BusinessDate): Fen {
  return summarizeLine(line, asOf).availableFen;
}

function checkRoom(
  line: CreditLine,
  amountFen: Fen,
  asOf: BusinessDate,
  param: string,
): Result<CreditLine, 'credit_limit_exceeded' | 'credit_line_frozen'> {
  assert(amountFen > 0n, 'credit line: amount must be positive');
  const s = settleRestorations(line, asOf);
  if (s.frozen) return refuse('credit_line_frozen', 'credit line is frozen');
  if (amountFen > availableFen(s, asOf))
    return refuse('credit_limit_exceeded', 'amount exceeds the available credit line', param);
  return ok(s);
}

/** Draws principal for a new loan. */
export function drawLine(
  line: CreditLine,
  amountFen: Fen,
  asOf: BusinessDate,
): Result<CreditLine, 'credit_limit_exceeded' | 'credit_line_frozen'> {
  const r = checkRoom(line, amountFen, asOf, 'principal_amount');
  return r.ok ? ok({ ...r.value, usedFen: r.value.usedFen + amountFen }) : r;
}

/** Reserves an amount for an authorised checkout. */
export function holdLine(
  line: CreditLine,
  amountFen: Fen,
  asOf: BusinessDate,
): Result<CreditLine, 'credit_limit_exceeded' | 'credit_line_frozen'> {
  const r = checkRoom(line, amountFen, asOf, 'amount');
  return r.ok ? ok({ ...r.value, heldFen: r.value.heldFen + amountFen }) : r;
}

/** Releases (part of) a hold: checkout canceled or expired, or the uncaptured rest of a partial capture. */
export function releaseHold(line: CreditLine, amountFen: Fen): CreditLine {
  assert(amountFen >= 0n && amountFen <= line.heldFen, 'credit line: release exceeds hold');
  return { ...line, heldFen: line.heldFen - amountFen };
}

/** Captures `captureFen` of a hold of `heldFen` (captured becomes used, the rest is released). */
export function captureHold(line: CreditLine, heldFen: Fen, captureFen: Fen): CreditLine {
  assert(
    heldFen <= line.heldFen && captureFen >= 0n && captureFen <= heldFen,
    'credit line: capture exceeds hold',
  );
  return { ...line, heldFen: line.heldFen - heldFen, usedFen: line.usedFen + captureFen };
}

/**
 * Records repaid (or refunded) principal: it becomes available again on T+1 (the next business
 * date), not immediately.
 */
export function restorePrincipal(line: CreditLine, principalFen: Fen, repaidOn: BusinessDate): CreditLine {
  assert(principalFen >= 0n, 'credit line: negative restoration');
  if (principalFen === 0n) return line;
  const pendingTotal = line.pendingRestorations.reduce((t, r) => t + r.amountFen, 0n);
  assert(pendingTotal + principalFen <= line.usedFen, 'credit line: restoring more than used');
  assert(line.pendingRestorations.length < RESTORATIONS_MAX, 'credit line: too many pending restorations');
  return {
    ...line,
    pendingRestorations: [
      ...line.pendingRestorations,
      { amountFen: principalFen, availableOn: addDays(repaidOn, RESTORE_AFTER_DAYS) },
    ],
  };
}

export function freezeLine(line: CreditLine): CreditLine {
  return { ...line, frozen: true };
}

export function unfreezeLine(line: CreditLine): CreditLine {
  return { ...line, frozen: false };
}

/** Proof of repayment ability required for a temporary increase. */
export type RepaymentProof = { readonly kind: 'payslip_flow' | 'asset_proof'; readonly reference: string };

export type TemporaryRefusalCode =
  | 'proof_required'
  | 'temporary_increase_too_large'
  | 'temporary_increase_renewal_exhausted'
  | 'temporary_increase_not_active'
  | 'credit_line_frozen'
  | 'amount_out_of_range';

/**
 * Grants a temporary increase (临时额度) of `amountFen` for 30 days from `asOf`. Requires proof;
 * at most 50 % of the base line. Asking while one is active replaces the amount but keeps the
 * expiry (use `renewTemporaryIncrease` to extend).
 */
export function grantTemporaryIncrease(
  line: CreditLine,
  input: { amountFen: Fen; proof: RepaymentProof | null; asOf: BusinessDate },
): Result<CreditLine, TemporaryRefusalCode> {
  if (line.frozen) return refuse('credit_line_frozen', 'credit line is frozen');
  if (!input.proof || input.proof.reference.trim() === '')
    return refuse('proof_required', 'proof of repayment ability is required', 'proof');
  if (input.amountFen <= 0n) return refuse('amount_out_of_range', 'amount must be positive', 'amount');
  if (input.amountFen * 100n > line.baseLimitFen * TEMPORARY_SHARE_PERCENT_MAX) {
    return refuse(
      'temporary_increase_too_large',
      'temporary increase may be at most 50% of the base line',
      'amount',
    );
  }
  const active = activeTemporaryFen(line, input.asOf) > 0n;
  return ok({
    ...line,
    temporaryLimitFen: input.amountFen,
    temporaryExpiresOn: active ? line.temporaryExpiresOn : addDays(input.asOf, TEMPORARY_VALID_DAYS),
    temporaryRenewals: active ? line.temporaryRenewals : 0,
  });
}

/** Renews an active temporary increase once, for another 30 days from its current expiry. */
export function renewTemporaryIncrease(
  line: CreditLine,
  input: { proof: RepaymentProof | null; asOf: BusinessDate },
): Result<CreditLine, TemporaryRefusalCode> {
  if (line.frozen) return refuse('credit_line_frozen', 'credit line is frozen');
  if (activeTemporaryFen(line, input.asOf) === 0n || line.temporaryExpiresOn === null)
    return refuse('temporary_increase_not_active', 'no active temporary increase');
  if (line.temporaryRenewals >= TEMPORARY_RENEWALS_MAX)
    return refuse('temporary_increase_renewal_exhausted', 'a temporary increase can be renewed once');
  if (!input.proof || input.proof.reference.trim() === '')
    return refuse('proof_required', 'proof of repayment ability is required', 'proof');
  return ok({
    ...line,
    temporaryExpiresOn: addDays(line.temporaryExpiresOn, TEMPORARY_VALID_DAYS),
    temporaryRenewals: line.temporaryRenewals + 1,
  });
}
