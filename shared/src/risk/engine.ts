/**
 * Real-time risk engine: pure rules over plain data, evaluated on every borrow,
 * checkout confirm and disbursement. No clock, no I/O: `nowMs` and every history come in
 * as arguments; the caller (functions/src/risk) loads them and records the decision.
 *
 * Decisions, least to most severe: allow < step_up < refuse < freeze. The most severe
 * rule wins; every rule that fired is returned so the risk event records all of them.
 */

export type RiskDecisionKind = 'allow' | 'step_up' | 'refuse' | 'freeze';

export type RiskAction = 'borrow' | 'checkout_confirm' | 'disbursement';

export type RiskRuleCode =
  | 'account_frozen'
  | 'multi_device_login'
  | 'impossible_travel'
  | 'large_withdrawal'
  | 'extreme_withdrawal'
  | 'attempt_velocity_burst'
  | 'attempt_velocity_hourly'
  | 'payment_password_failures';

export interface GeoPoint {
  latitudeDeg: number;
  longitudeDeg: number;
}

export interface LoginRecord {
  deviceId: string;
  atMs: number;
  /** Present only when the user's `location` authorisation is on (the caller strips it otherwise). */
  location?: GeoPoint;
}

export interface WithdrawalRecord {
  amountFen: bigint;
  atMs: number;
}

export interface AttemptRecord {
  atMs: number;
}

export interface PasswordAttemptRecord {
  atMs: number;
  ok: boolean;
}

export interface RiskInput {
  action: RiskAction;
  amountFen: bigint;
  nowMs: number;
  accountFrozen: boolean;
  logins: readonly LoginRecord[];
  /** Past completed withdrawals (borrows / scene loans), not including this one. */
  withdrawals: readonly WithdrawalRecord[];
  /** Past money-moving attempts (borrow / confirm), not including this one. */
  attempts: readonly AttemptRecord[];
  passwordAttempts: readonly PasswordAttemptRecord[];
  /**
   * True when the client completed a step-up for exactly this request. Step-up clears
   * `step_up` rules only; `refuse` and `freeze` still stand.
   */
  stepUpSatisfied: boolean;
}

export interface RiskPolicy {
  /** Distinct devices logging in within `multiDeviceWindowMs` that trigger step-up. */
  multiDeviceCount: number;
  multiDeviceWindowMs: number;
  /** Speed between two located logins above which travel is impossible. */
  impossibleTravelKmPerHour: number;
  impossibleTravelWindowMs: number;
  /** Look-back for the withdrawal history. */
  withdrawalHistoryWindowMs: number;
  /** Step-up when amount > ratio × largest past withdrawal (and above the floor). */
  largeWithdrawalRatio: bigint;
  /** Amounts at or below this never count as "large" (small loans are routine). */
  largeWithdrawalFloorFen: bigint;
  /** First-ever withdrawal above this → step-up. */
  firstWithdrawalStepUpFen: bigint;
  /** Freeze when amount > ratio × largest past withdrawal and ≥ the freeze floor. */
  extremeWithdrawalRatio: bigint;
  extremeWithdrawalFloorFen: bigint;
  /** Refuse when attempts within the burst window (including this one) reach the count. */
  burstCount: number;
  burstWindowMs: number;
  /** Step-up when attempts within an hour (including this one) reach the count. */
  hourlyCount: number;
  hourlyWindowMs: number;
  /** Consecutive wrong payment passwords (since the last correct one) that force 2FA. */
  passwordFailuresStepUp: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_RISK_POLICY: RiskPolicy = Object.freeze({
  multiDeviceCount: 3,
  multiDeviceWindowMs: 10 * MINUTE_MS,
  impossibleTravelKmPerHour: 900,
  impossibleTravelWindowMs: 6 * HOUR_MS,
  withdrawalHistoryWindowMs: 180 * DAY_MS,
  largeWithdrawalRatio: 5n,
  largeWithdrawalFloorFen: 500_000n, // ¥5,000
  firstWithdrawalStepUpFen: 20_000_000n, // ¥200,000 (the consumer cap): only large business loans
  extremeWithdrawalRatio: 20n,
  extremeWithdrawalFloorFen: 5_000_000n, // ¥50,000
  burstCount: 5,
  burstWindowMs: MINUTE_MS,
  hourlyCount: 20,
  hourlyWindowMs: HOUR_MS,
  passwordFailuresStepUp: 3,
});

export interface FiredRule {
  rule: RiskRuleCode;
  decision: Exclude<RiskDecisionKind, 'allow'>;
  /** Plain-language reason, safe to show to the user and to log (no PII). */
  reason: string;
}

export interface RiskDecision {
  decision: RiskDecisionKind;
  /** The rule that decided (most severe; first in rule order on ties), null on allow. */
  rule: RiskRuleCode | null;
  fired: FiredRule[];
  /** Step-up rules that a completed step-up cleared for this request. */
  cleared: FiredRule[];
}

const SEVERITY: Record<RiskDecisionKind, number> = { allow: 0, step_up: 1, refuse: 2, freeze: 3 };

/** Records kept per input list; the caller loads at most this many (bounded work). */
export const RISK_HISTORY_MAX = 1_000;

function assertInput(input: RiskInput): void {
  if (input.amountFen <= 0n) throw new Error('risk: amountFen must be positive');
  if (!Number.isFinite(input.nowMs)) throw new Error('risk: nowMs must be finite');
  if (
    input.logins.length > RISK_HISTORY_MAX ||
    input.withdrawals.length > RISK_HISTORY_MAX ||
    input.attempts.length > RISK_HISTORY_MAX ||
    input.passwordAttempts.length > RISK_HISTORY_MAX
  ) {
    throw new Error('risk: history longer than RISK_HISTORY_MAX');
  }
}

/** Within [nowMs - windowMs, nowMs], both ends inclusive. */
function within(atMs: number, nowMs: number, windowMs: number): boolean {
  return atMs <= nowMs && atMs >= nowMs - windowMs;
}

export function ruleMultiDeviceLogin(input: RiskInput, policy: RiskPolicy): FiredRule | null {
  const devices = new Set<string>();
  for (const l of input.logins) {
    if (within(l.atMs, input.nowMs, policy.multiDeviceWindowMs)) devices.add(l.deviceId);
  }
  if (devices.size < policy.multiDeviceCount) return null;
  return {
    rule: 'multi_device_login',
    decision: 'step_up',
    reason: `${devices.size} devices signed in within ${policy.multiDeviceWindowMs / MINUTE_MS} minutes`,
  };
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance (haversine), kilometres. Floats are fine here: no money. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitudeDeg - a.latitudeDeg) * rad;
  const dLon = (b.longitudeDeg - a.longitudeDeg) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitudeDeg * rad) * Math.cos(b.latitudeDeg * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function ruleImpossibleTravel(input: RiskInput, policy: RiskPolicy): FiredRule | null {
  const located = input.logins
    .filter((l) => l.location !== undefined && within(l.atMs, input.nowMs, policy.impossibleTravelWindowMs))
    .sort((x, y) => x.atMs - y.atMs);
  for (let i = 1; i < located.length; i++) {
    const prev = located[i - 1];
    const next = located[i];
    if (!prev?.location || !next?.location) continue;
    const km = distanceKm(prev.location, next.location);
    const hours = Math.max(next.atMs - prev.atMs, MINUTE_MS) / HOUR_MS; // ≥1 min: GPS jitter
    if (km / hours > policy.impossibleTravelKmPerHour) {
      return {
        rule: 'impossible_travel',
        decision: 'step_up',
        reason: `sign-ins ${Math.round(km)} km apart within ${Math.round(hours * 60)} minutes`,
      };
    }
  }
  return null;
}

export function ruleWithdrawalSize(input: RiskInput, policy: RiskPolicy): FiredRule | null {
  let largestFen = 0n;
  let count = 0;
  for (const w of input.withdrawals) {
    if (!within(w.atMs, input.nowMs, policy.withdrawalHistoryWindowMs)) continue;
    count++;
    if (w.amountFen > largestFen) largestFen = w.amountFen;
  }
  const amount = input.amountFen;
  if (count === 0) {
    if (amount > policy.firstWithdrawalStepUpFen) {
      return {
        rule: 'large_withdrawal',
        decision: 'step_up',
        reason: 'first withdrawal above the no-history limit',
      };
    }
    return null;
  }
  if (amount >= policy.extremeWithdrawalFloorFen && amount > largestFen * policy.extremeWithdrawalRatio) {
    return {
      rule: 'extreme_withdrawal',
      decision: 'freeze',
      reason: `withdrawal more than ${policy.extremeWithdrawalRatio}× the largest in the history`,
    };
  }
  if (amount > policy.largeWithdrawalFloorFen && amount > largestFen * policy.largeWithdrawalRatio) {
    return {
      rule: 'large_withdrawal',
      decision: 'step_up',
      reason: `withdrawal more than ${policy.largeWithdrawalRatio}× the largest in the history`,
    };
  }
  return null;
}

export function ruleAttemptVelocity(input: RiskInput, policy: RiskPolicy): FiredRule | null {
  let burst = 1; // this attempt
  let hourly = 1;
  for (const a of input.attempts) {
    if (within(a.atMs, input.nowMs, policy.burstWindowMs)) burst++;
    if (within(a.atMs, input.nowMs, policy.hourlyWindowMs)) hourly++;
  }
  if (burst >= policy.burstCount) {
    return {
      rule: 'attempt_velocity_burst',
      decision: 'refuse',
      reason: `${burst} attempts within ${policy.burstWindowMs / 1000} seconds; try again later`,
    };
  }
  if (hourly >= policy.hourlyCount) {
    return {
      rule: 'attempt_velocity_hourly',
      decision: 'step_up',
      reason: `${hourly} attempts within an hour`,
    };
  }
  return null;
}

/** Length of the run of wrong passwords since the last correct one (newest first). */
export function consecutivePasswordFailures(attempts: readonly PasswordAttemptRecord[]): number {
  const sorted = [...attempts].sort((x, y) => y.atMs - x.atMs);
  let run = 0;
  for (const a of sorted) {
    if (a.ok) break;
    run++;
  }
  return run;
}

export function rulePasswordFailures(input: RiskInput, policy: RiskPolicy): FiredRule | null {
  const run = consecutivePasswordFailures(input.passwordAttempts);
  if (run < policy.passwordFailuresStepUp) return null;
  return {
    rule: 'payment_password_failures',
    decision: 'step_up',
    reason: `${run} wrong payment passwords in a row: two-factor verification required`,
  };
}

function ruleAccountFrozen(input: RiskInput): FiredRule | null {
  if (!input.accountFrozen) return null;
  return { rule: 'account_frozen', decision: 'freeze', reason: 'the account is frozen pending review' };
}

type Rule = (input: RiskInput, policy: RiskPolicy) => FiredRule | null;

const RULES: readonly Rule[] = [
  ruleAccountFrozen,
  ruleAttemptVelocity,
  ruleWithdrawalSize,
  ruleMultiDeviceLogin,
  ruleImpossibleTravel,
  rulePasswordFailures,
];

/** Evaluate every rule; the most severe decision wins. */
export function evaluateRisk(input: RiskInput, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskDecision {
  assertInput(input);
  const fired: FiredRule[] = [];
  for (const rule of RULES) {
    const f = rule(input, policy);
    if (f) fired.push(f);
  }
  const cleared = input.stepUpSatisfied ? fired.filter((f) => f.decision === 'step_up') : [];
  let decisive: FiredRule | null = null;
  for (const f of fired) {
    if (cleared.includes(f)) continue;
    if (!decisive || SEVERITY[f.decision] > SEVERITY[decisive.decision]) decisive = f;
  }
  return {
    decision: decisive ? decisive.decision : 'allow',
    rule: decisive ? decisive.rule : null,
    fired,
    cleared,
  };
}
