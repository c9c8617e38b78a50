/**
 * The risk gate behind every borrow, checkout confirm and disbursement (registered over the
 * borrower area's allow-all default). It loads the user's recent activity — only the data
 * their authorisations allow — runs the pure rules (@fenqi/shared `evaluateRisk`), records
 * the decision as a risk event, raises a step-up challenge or freezes the account.
 *
 * Non-allow decisions end in an error that rolls back the request's transaction, so their
 * records are detached writes (detached.ts) that survive it.
 */
import { performance } from 'node:perf_hooks';
import { and, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, newId, schema, type Tx } from '../db';
import type { RiskDecision as GateDecision, RiskInput as GateInput, RiskGate } from '../risk-gate';
import { appendAudit } from '../security/audit';
import { grantedAuthorizations } from './authorizations';
import { detachWrite } from './detached';
import {
  DEFAULT_RISK_POLICY,
  evaluateRisk,
  type GeoPoint,
  type LoginRecord,
  type PasswordAttemptRecord,
  type RiskAction,
  type RiskDecision,
  type RiskInput,
} from './shared';
import { challengeReason, insertChallenge, keyHash, stepUpSatisfied } from './step-up';

/** Optional client hint the caller may add (from an `X-Device-Location: lat,lon` header). */
export type GateInputWithLocation = GateInput & { location?: GeoPoint };

const EVALUATED: Partial<Record<GateInput['action'], RiskAction>> = {
  borrow: 'borrow',
  checkout_confirm: 'checkout_confirm',
  disburse: 'disbursement',
};

const HISTORY_ROWS_MAX = 1_000;

export interface LoadedRiskInput {
  engine: RiskInput;
  granted: Set<string>;
}

/** Builds the engine's input from the database, honouring the user's authorisations. */
export async function loadRiskInput(
  db: Database['db'] | Tx,
  input: GateInputWithLocation,
  action: RiskAction,
): Promise<LoadedRiskInput> {
  const now = input.now;
  const nowMs = now.getTime();
  const granted = await grantedAuthorizations(db, input.userId);
  const useDevices = granted.has('device_info');
  const useLocation = granted.has('location');
  const policy = DEFAULT_RISK_POLICY;
  const activitySince = new Date(
    nowMs - Math.max(policy.impossibleTravelWindowMs, policy.hourlyWindowMs, policy.multiDeviceWindowMs),
  );

  const [user] = await db
    .select({
      status: schema.users.status,
      failed: schema.users.failedPasswordCount,
      mfa: schema.users.mfaRequired,
    })
    .from(schema.users)
    .where(eq(schema.users.id, input.userId));

  const events = await db
    .select({ details: schema.riskEvents.details, createdAt: schema.riskEvents.createdAt })
    .from(schema.riskEvents)
    .where(
      and(
        eq(schema.riskEvents.userId, input.userId),
        eq(schema.riskEvents.kind, 'evaluation'),
        gt(schema.riskEvents.createdAt, activitySince),
      ),
    )
    .orderBy(desc(schema.riskEvents.createdAt))
    .limit(HISTORY_ROWS_MAX);

  const logins: LoginRecord[] = [];
  const attempts: { atMs: number }[] = [];
  // An attempt is one request: retries of the same Idempotency-Key (e.g. after a step-up)
  // count once, and this request counts itself.
  const thisKey = keyHash(input.idempotencyKey);
  const seenKeys = new Set<string>();
  for (const e of events) {
    const d = e.details as {
      device_id?: string;
      location?: GeoPoint;
      action?: string;
      idempotency_key_hash?: string;
    };
    const kh = d.idempotency_key_hash ?? '-';
    if (kh === '-' || (kh !== thisKey && !seenKeys.has(kh))) attempts.push({ atMs: e.createdAt.getTime() });
    if (kh !== '-') seenKeys.add(kh);
    const deviceId = useDevices ? d.device_id : undefined;
    const location = useLocation ? d.location : undefined;
    if (deviceId || location)
      logins.push({
        deviceId: deviceId ?? '-',
        atMs: e.createdAt.getTime(),
        ...(location ? { location } : {}),
      });
  }
  if (useDevices) {
    const sessions = await db
      .select({ deviceId: schema.loginAttempts.deviceId, createdAt: schema.loginAttempts.createdAt })
      .from(schema.loginAttempts)
      .where(
        and(
          eq(schema.loginAttempts.subject, input.userId),
          eq(schema.loginAttempts.kind, 'session'),
          eq(schema.loginAttempts.success, true),
          gt(schema.loginAttempts.createdAt, activitySince),
        ),
      )
      .limit(HISTORY_ROWS_MAX);
    for (const s of sessions)
      if (s.deviceId) logins.push({ deviceId: s.deviceId, atMs: s.createdAt.getTime() });
  }
  // This request itself.
  const here = useLocation ? input.location : undefined;
  const hereDevice = useDevices ? input.deviceId : undefined;
  if (hereDevice || here)
    logins.push({ deviceId: hereDevice ?? '-', atMs: nowMs, ...(here ? { location: here } : {}) });

  const loans = await db
    .select({ principalFen: schema.loans.principalFen, createdAt: schema.loans.createdAt })
    .from(schema.loans)
    .where(
      and(
        eq(schema.loans.userId, input.userId),
        ne(schema.loans.status, 'canceled'),
        gt(schema.loans.createdAt, new Date(nowMs - policy.withdrawalHistoryWindowMs)),
      ),
    )
    .orderBy(desc(schema.loans.createdAt))
    .limit(HISTORY_ROWS_MAX);

  const pw = await db
    .select({
      success: schema.loginAttempts.success,
      kind: schema.loginAttempts.kind,
      createdAt: schema.loginAttempts.createdAt,
    })
    .from(schema.loginAttempts)
    .where(
      and(
        eq(schema.loginAttempts.subject, input.userId),
        inArray(schema.loginAttempts.kind, ['password', 'step_up']),
      ),
    )
    .orderBy(desc(schema.loginAttempts.createdAt))
    .limit(50);
  const passwordAttempts: PasswordAttemptRecord[] = pw.map((p) => ({
    atMs: p.createdAt.getTime(),
    ok: p.success,
  }));
  // The borrower area's own counter (users.failed_password_count / mfa_required) counts too.
  const counted = Math.max(user?.failed ?? 0, user?.mfa ? policy.passwordFailuresStepUp : 0);
  let run = 0;
  for (const p of passwordAttempts) {
    if (p.ok) break;
    run++;
  }
  for (let i = run; i < Math.min(counted, 50); i++) passwordAttempts.push({ atMs: nowMs, ok: false });

  return {
    granted,
    engine: {
      action,
      amountFen: input.amountFen > 0n ? input.amountFen : 1n,
      nowMs,
      accountFrozen: user?.status === 'frozen',
      logins: logins.slice(0, HISTORY_ROWS_MAX),
      withdrawals: loans.map((l) => ({ amountFen: l.principalFen, atMs: l.createdAt.getTime() })),
      attempts: attempts.slice(0, HISTORY_ROWS_MAX),
      passwordAttempts: passwordAttempts.slice(0, HISTORY_ROWS_MAX),
      stepUpSatisfied: await stepUpSatisfied(db, input.userId, input.idempotencyKey, now),
    },
  };
}

const RECORDED_ACTION = { allow: 'none', step_up: 'step_up', refuse: 'decline', freeze: 'freeze' } as const;
const SEVERITY = { allow: 'low', step_up: 'medium', refuse: 'medium', freeze: 'high' } as const;

/** Last decision latencies (ms), for the benchmark and the health of the gate. */
export const recentDecisionMs: number[] = [];

export async function evaluateGate(
  input: GateInputWithLocation,
  deps: { tx: Tx; database: Database; config: AppConfig },
): Promise<GateDecision & { decisionMs?: number; engine?: RiskDecision }> {
  const action = EVALUATED[input.action];
  if (!action) return { decision: 'allow' };
  const started = performance.now();
  const loaded = await loadRiskInput(deps.tx, input, action);
  const d = evaluateRisk(loaded.engine);
  const decisionMs = performance.now() - started;
  if (recentDecisionMs.length >= 10_000) recentDecisionMs.shift();
  recentDecisionMs.push(decisionMs);

  const eventId = newId('rsk');
  const challengeId = d.decision === 'step_up' ? newId('stp') : undefined;
  const location = loaded.granted.has('location') ? input.location : undefined;
  const details = {
    action: input.action,
    decision: d.decision,
    rule: d.rule,
    fired: d.fired.map((f) => ({ rule: f.rule, decision: f.decision, reason: f.reason })),
    cleared: d.cleared.map((f) => f.rule),
    amount_fen: input.amountFen.toString(),
    request_id: input.requestId,
    idempotency_key_hash: keyHash(input.idempotencyKey),
    ...(loaded.granted.has('device_info') && input.deviceId ? { device_id: input.deviceId } : {}),
    ...(location ? { location } : {}),
    ...(challengeId ? { challenge_id: challengeId } : {}),
  };
  const now = input.now;
  /**
   * Recorded in the request's transaction (so it commits with the request, and a caller that
   * commits its evidence on refusal keeps it), and — for any decision but allow — again as a
   * detached write that survives a rollback. The fixed event id makes the second a no-op
   * when the first committed.
   */
  const record = async (tx: Tx) => {
    const inserted = await tx
      .insert(schema.riskEvents)
      .values({
        id: eventId,
        userId: input.userId,
        kind: 'evaluation',
        severity: SEVERITY[d.decision],
        action: RECORDED_ACTION[d.decision],
        details,
        decisionMs: Math.ceil(decisionMs),
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: schema.riskEvents.id });
    if (inserted.length === 0) return;
    if (challengeId && d.rule) {
      await insertChallenge(tx, {
        id: challengeId,
        userId: input.userId,
        reason: challengeReason(d.rule, input.action, input.idempotencyKey),
        now,
      });
    }
    if (d.decision === 'freeze' && d.rule !== 'account_frozen') {
      await tx
        .update(schema.users)
        .set({ status: 'frozen', updatedAt: now })
        .where(eq(schema.users.id, input.userId));
      await tx
        .update(schema.creditLines)
        .set({ frozen: true, frozenReason: `risk:${d.rule}`, updatedAt: now })
        .where(eq(schema.creditLines.userId, input.userId));
      await appendAudit(tx, {
        actorType: 'system',
        actorId: 'risk_engine',
        action: 'risk.account_frozen',
        subjectType: 'user',
        subjectId: input.userId,
        requestId: input.requestId,
        details: { rule: d.rule ?? '', risk_event_id: eventId },
        at: now,
      });
    }
  };
  await record(deps.tx);
  if (d.decision !== 'allow') detachWrite(deps.database, 'risk_decision', record);

  const fired = d.fired.find((f) => f.rule === d.rule);
  const reason = fired?.reason ?? '';
  switch (d.decision) {
    case 'allow':
      return { decision: 'allow', decisionMs, engine: d };
    case 'step_up':
      return {
        decision: 'step_up',
        challengeId: challengeId as string,
        rule: d.rule ?? '',
        reason,
        decisionMs,
        engine: d,
      };
    case 'refuse':
      return { decision: 'refuse', rule: d.rule ?? '', reason, decisionMs, engine: d };
    case 'freeze':
      return { decision: 'freeze', rule: d.rule ?? '', reason, decisionMs, engine: d };
  }
}

export const protectionRiskGate: RiskGate = { evaluate: (input, deps) => evaluateGate(input, deps) };
