/**
 * The call site for risk control on money-moving borrower actions. The risk area replaces
 * the default (allow everything) with `registerRiskGate(gate)` at import time; a gate may
 * return `step_up` or `refuse`/`freeze`, which the caller turns into the matching error.
 */
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
}

export type RiskDecision =
  | { decision: 'allow' }
  | { decision: 'step_up'; challengeId?: string; rule: string; reason: string }
  | { decision: 'refuse'; rule: string; reason: string }
  | { decision: 'freeze'; rule: string; reason: string };

export interface RiskGate {
  evaluate(input: RiskInput, deps: { tx: Tx; database: Database; config: AppConfig }): Promise<RiskDecision>;
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
 * (with the challenge to complete), `risk_declined` or `account_frozen`. The risk evidence
 * the request wrote is committed even though the request fails.
 */
export function assertRiskAllows(decision: RiskDecision): void {
  if (decision.decision === 'allow') return;
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
