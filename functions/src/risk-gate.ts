/**
 * The call site for risk control on money-moving borrower actions. The risk area replaces
 * the default (allow everything) with `registerRiskGate(gate)` at import time; a gate may
 * return `step_up` or `refuse`/`freeze`, which the caller turns into the matching error.
 */
import type { AppConfig } from './config';
import type { Database, Tx } from './db';

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
