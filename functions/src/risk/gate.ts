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
import { deferWrite, reusableWrite, rowsOf } from '@fenqi/db';
import { eq, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, newId, schema, type Tx } from '../db';
import type { RiskDecision as GateDecision, RiskInput as GateInput, RiskGate } from '../risk-gate';
import { appendAudit } from '../security/audit';
import { detachWrite } from './detached';
import { attemptsRemaining, recordPasswordAttempt, verifyPaymentPassword } from './payment-password';
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
import { challengeReason, insertChallenge, keyHash, STEP_UP_TRUST_MS } from './step-up';

/** The gate's input (location from `X-Device-Location`, see `riskHints`). */
export type GateInputWithLocation = GateInput & { location?: GeoPoint };

/** Actions the user confirms with their payment password (when they have set one). */
const PASSWORD_ACTIONS: ReadonlySet<GateInput['action']> = new Set(['borrow', 'checkout_confirm']);

const EVALUATED: Partial<Record<GateInput['action'], RiskAction>> = {
  borrow: 'borrow',
  checkout_confirm: 'checkout_confirm',
  disburse: 'disbursement',
};

const HISTORY_ROWS_MAX = 1_000;

export interface LoadedRiskInput {
  engine: RiskInput;
  granted: Set<string>;
  /** The stored payment-password hash (null: none set). */
  paymentPasswordHash: string | null;
  /** Wrong payment passwords in a row (rows and the users counter, whichever is more). */
  passwordFailures: number;
}

interface LoadedRow {
  granted: string[] | null;
  user: { status: string; failed: number; mfa: boolean; pwh: string | null } | null;
  events: Array<{ t: number; kh: string | null; device: string | null; loc: GeoPoint | null }> | null;
  sessions: Array<{ t: number; device: string }> | null;
  loans: Array<{ t: number; p: string }> | null;
  pw: Array<{ t: number; ok: boolean }> | null;
  stepups: Array<{ t: number; reason: string }> | null;
}

/** The look-back windows of the risk read, as of `now` (RFC 3339, for the SQL). */
export function riskReadWindow(now: Date): {
  activitySince: string;
  loansSince: string;
  stepUpsSince: string;
} {
  const nowMs = now.getTime();
  const policy = DEFAULT_RISK_POLICY;
  return {
    activitySince: new Date(
      nowMs - Math.max(policy.impossibleTravelWindowMs, policy.hourlyWindowMs, policy.multiDeviceWindowMs),
    ).toISOString(),
    loansSince: new Date(nowMs - policy.withdrawalHistoryWindowMs).toISOString(),
    stepUpsSince: new Date(nowMs - 48 * 3600 * 1000).toISOString(),
  };
}

/** A value of the risk read: a plain value, or a placeholder when the read is built once. */
type ReadParam = string | Placeholder;

/**
 * The risk read as one statement (one row). Device ids and locations are selected only when
 * the user's `device_info` / `location` authorisations are on — otherwise the database never
 * even returns them. `riskReadColumn` embeds it in another select (the borrower snapshot).
 */
function riskReadSql(p: {
  userId: ReadParam;
  activitySince: ReadParam;
  loansSince: ReadParam;
  stepUpsSince: ReadParam;
}): SQL {
  const u = p.userId;
  const epoch = (col: string) => sql.raw(`(extract(epoch from ${col}) * 1000)::float8`);
  return sql`
    with g as (select key from authorizations where user_id = ${u} and granted),
    f as (select exists(select 1 from g where key = 'device_info') as dev, exists(select 1 from g where key = 'location') as loc)
    select
      (select coalesce(json_agg(key), '[]'::json) from g) as granted,
      (select json_build_object('status', status, 'failed', failed_password_count, 'mfa', mfa_required, 'pwh', payment_password_hash) from users where id = ${u}) as user,
      (select coalesce(json_agg(json_build_object(
          't', ${epoch('e.created_at')},
          'kh', e.details->>'idempotency_key_hash',
          'device', case when f.dev then e.details->>'device_id' end,
          'loc', case when f.loc then e.details->'location' end)), '[]'::json)
        from (select details, created_at from risk_events
              where user_id = ${u} and kind = 'evaluation' and created_at > ${p.activitySince}::timestamptz
              order by created_at desc limit ${sql.raw(String(HISTORY_ROWS_MAX))}) e, f) as events,
      (select coalesce(json_agg(json_build_object('t', ${epoch('s.created_at')}, 'device', s.device_id)), '[]'::json)
        from (select device_id, created_at from login_attempts, f
              where f.dev and subject = ${u} and kind = 'session' and success and device_id is not null
                and created_at > ${p.activitySince}::timestamptz
              order by created_at desc limit ${sql.raw(String(HISTORY_ROWS_MAX))}) s) as sessions,
      (select coalesce(json_agg(json_build_object('t', ${epoch('l.created_at')}, 'p', l.principal_fen::text)), '[]'::json)
        from (select principal_fen, created_at from loans
              where user_id = ${u} and status <> 'canceled' and created_at > ${p.loansSince}::timestamptz
              order by created_at desc limit ${sql.raw(String(HISTORY_ROWS_MAX))}) l) as loans,
      (select coalesce(json_agg(json_build_object('t', ${epoch('a.created_at')}, 'ok', a.success)), '[]'::json)
        from (select success, created_at from login_attempts
              where subject = ${u} and kind in ('password', 'step_up')
              order by created_at desc limit 50) a) as pw,
      (select coalesce(json_agg(json_build_object('t', ${epoch('c.completed_at')}, 'reason', c.reason)), '[]'::json)
        from (select reason, completed_at from step_up_challenges
              where user_id = ${u} and status = 'passed' and completed_at > ${p.stepUpsSince}::timestamptz
              order by completed_at desc limit 50) c) as stepups`;
}

/** What the risk read returns (one JSON object), for a caller that read it with its own select. */
export type RiskReadRow = LoadedRow;

/**
 * The risk read as a JSON column of another select, with placeholders `riskUserId`,
 * `riskActivitySince`, `riskLoansSince`, `riskStepUpsSince` (values: `riskReadValues`). It must
 * run after the caller's row lock, as the gate's own read does, so velocity counts see a
 * concurrent request of the same person that committed while this one waited.
 */
export function riskReadColumn(): SQL<RiskReadRow> {
  const read = riskReadSql({
    userId: sql.placeholder('riskUserId'),
    activitySince: sql.placeholder('riskActivitySince'),
    loansSince: sql.placeholder('riskLoansSince'),
    stepUpsSince: sql.placeholder('riskStepUpsSince'),
  });
  return sql<RiskReadRow>`(select row_to_json(r) from (${read}) r)`;
}

export function riskReadValues(userId: string, now: Date): Record<string, string> {
  const w = riskReadWindow(now);
  return {
    riskUserId: userId,
    riskActivitySince: w.activitySince,
    riskLoansSince: w.loansSince,
    riskStepUpsSince: w.stepUpsSince,
  };
}

/**
 * Builds the engine's input from the database in ONE round trip (a serverless function talks
 * to a remote database: seven sequential queries would cost seven network latencies).
 */
export async function loadRiskInput(
  db: Database['db'] | Tx,
  input: GateInputWithLocation,
  action: RiskAction,
): Promise<LoadedRiskInput> {
  const result = await db.execute(riskReadSql({ userId: input.userId, ...riskReadWindow(input.now) }));
  return riskInputFrom((rowsOf<LoadedRow>(result)[0] ?? {}) as LoadedRow, input, action);
}

/** The engine's input from the risk read's row. */
export function riskInputFrom(
  row: LoadedRow,
  input: GateInputWithLocation,
  action: RiskAction,
): LoadedRiskInput {
  const nowMs = input.now.getTime();
  const policy = DEFAULT_RISK_POLICY;

  const granted = new Set(row.granted ?? []);
  const useLocation = granted.has('location');
  const useDevices = granted.has('device_info');

  const logins: LoginRecord[] = [];
  const attempts: { atMs: number }[] = [];
  // An attempt is one request: retries of the same Idempotency-Key (e.g. after a step-up)
  // count once, and this request counts itself.
  const thisKey = keyHash(input.idempotencyKey);
  const seenKeys = new Set<string>();
  for (const e of row.events ?? []) {
    const kh = e.kh ?? '-';
    if (kh === '-' || (kh !== thisKey && !seenKeys.has(kh))) attempts.push({ atMs: e.t });
    if (kh !== '-') seenKeys.add(kh);
    if (e.device || e.loc)
      logins.push({ deviceId: e.device ?? '-', atMs: e.t, ...(e.loc ? { location: e.loc } : {}) });
  }
  for (const s of row.sessions ?? []) logins.push({ deviceId: s.device, atMs: s.t });
  const here = useLocation ? input.location : undefined;
  const hereDevice = useDevices ? input.deviceId : undefined;
  if (hereDevice || here)
    logins.push({ deviceId: hereDevice ?? '-', atMs: nowMs, ...(here ? { location: here } : {}) });

  const passwordAttempts: PasswordAttemptRecord[] = (row.pw ?? []).map((p) => ({ atMs: p.t, ok: p.ok }));
  // The borrower area's own counter (users.failed_password_count / mfa_required) counts too.
  const counted = Math.max(row.user?.failed ?? 0, row.user?.mfa ? policy.passwordFailuresStepUp : 0);
  let run = 0;
  for (const p of [...passwordAttempts].sort((a, b) => b.atMs - a.atMs)) {
    if (p.ok) break;
    run++;
  }
  for (let i = run; i < Math.min(counted, 50); i++) passwordAttempts.push({ atMs: nowMs, ok: false });

  const kh = keyHash(input.idempotencyKey);
  const stepUpSatisfied = (row.stepups ?? []).some(
    (c) => (kh !== '-' && c.reason.endsWith(`|${kh}`)) || nowMs - c.t <= STEP_UP_TRUST_MS,
  );

  return {
    granted,
    paymentPasswordHash: row.user?.pwh ?? null,
    passwordFailures: Math.max(run, Math.min(counted, 50)),
    engine: {
      action,
      amountFen: input.amountFen > 0n ? input.amountFen : 1n,
      nowMs,
      accountFrozen: row.user?.status === 'frozen',
      logins: logins.slice(0, HISTORY_ROWS_MAX),
      withdrawals: (row.loans ?? []).map((l) => ({ amountFen: BigInt(l.p), atMs: l.t })),
      attempts: attempts.slice(0, HISTORY_ROWS_MAX),
      passwordAttempts: passwordAttempts.slice(0, HISTORY_ROWS_MAX),
      stepUpSatisfied,
    },
  };
}

const RECORDED_ACTION = { allow: 'none', step_up: 'step_up', refuse: 'decline', freeze: 'freeze' } as const;
type EvaluationEvent = Omit<typeof schema.riskEvents.$inferInsert, 'kind'>;

/** The evaluation event with its values (to defer it). */
const evaluationInsert = (db: Tx, event: EvaluationEvent) =>
  db
    .insert(schema.riskEvents)
    .values({ ...event, kind: 'evaluation' })
    .onConflictDoNothing();

/** The same insert built once, returning whether it inserted (it runs on every gated request). */
const insertEvaluation = reusableWrite((db) =>
  db
    .insert(schema.riskEvents)
    .values({
      id: sql.placeholder('id'),
      userId: sql.placeholder('userId'),
      kind: 'evaluation',
      severity: sql.placeholder('severity'),
      action: sql.placeholder('action'),
      details: sql.placeholder('details'),
      decisionMs: sql.placeholder('decisionMs'),
      createdAt: sql.placeholder('createdAt'),
    })
    .onConflictDoNothing()
    .returning({ id: schema.riskEvents.id }),
);

const SEVERITY = { allow: 'low', step_up: 'medium', refuse: 'medium', freeze: 'high' } as const;

/** Last decision latencies (ms), for the benchmark and the health of the gate. */
export const recentDecisionMs: number[] = [];

export async function evaluateGate(
  input: GateInputWithLocation,
  deps: { tx: Tx; database: Database; config: AppConfig; riskRead?: RiskReadRow },
): Promise<GateDecision & { decisionMs?: number; engine?: RiskDecision }> {
  const action = EVALUATED[input.action];
  if (!action) return { decision: 'allow' };
  const started = performance.now();
  // Read with the caller's snapshot (same transaction, after its row lock), or here.
  const loaded = deps.riskRead
    ? riskInputFrom(deps.riskRead, input, action)
    : await loadRiskInput(deps.tx, input, action);
  const d = keepPasswordLock(evaluateRisk(loaded.engine));
  const decisionMs = performance.now() - started;
  if (recentDecisionMs.length >= 10_000) recentDecisionMs.shift();
  recentDecisionMs.push(decisionMs);

  // The payment password is checked only once the rules allow: while 3 wrong ones in a row
  // hold the account at step-up, no further guess is even compared.
  const password = await checkPaymentPassword(input, loaded, d, deps.config);
  const passwordAttemptId = password === 'incorrect' || password === 'correct' ? newId('lga') : undefined;
  let failedAfter = loaded.passwordFailures + (password === 'incorrect' ? 1 : 0);

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
    ...(password !== 'not_required' ? { payment_password: password } : {}),
  };
  const now = input.now;
  /**
   * Recorded in the request's transaction (so it commits with the request, and a caller that
   * commits its evidence on refusal keeps it), and — for any decision but allow — again as a
   * detached write that survives a rollback. The fixed event id makes the second a no-op
   * when the first committed.
   */
  const eventOf = (decision: typeof d.decision): EvaluationEvent => ({
    id: eventId,
    userId: input.userId,
    severity: SEVERITY[decision],
    action: RECORDED_ACTION[decision],
    details,
    decisionMs: Math.ceil(decisionMs),
    createdAt: now,
  });
  const record = async (tx: Tx) => {
    const inserted = await insertEvaluation(tx, eventOf(d.decision));
    if (inserted.length === 0) return;
    if (passwordAttemptId && (password === 'incorrect' || loaded.passwordFailures > 0)) {
      const r = await recordPasswordAttempt(tx, {
        id: passwordAttemptId,
        userId: input.userId,
        ok: password === 'correct',
        now,
      });
      if (r) failedAfter = r.failedCount;
    }
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
  // A correct password after wrong ones resets the count even if the request fails later.
  const passwordWrite = password === 'incorrect' || (password === 'correct' && loaded.passwordFailures > 0);
  const plainAllow = d.decision === 'allow' && !passwordWrite && password !== 'missing' && !challengeId;
  if (plainAllow) {
    // Nothing else to write and nothing to read back: the event goes with the request's last
    // statement (one round trip less on every allowed borrow, confirm and repayment).
    await deferWrite(deps.tx, evaluationInsert(deps.tx, eventOf(d.decision)));
  } else await record(deps.tx);
  if (d.decision !== 'allow' || passwordWrite) detachWrite(deps.database, 'risk_decision', record);
  if (password === 'missing')
    return {
      decision: 'payment_password',
      code: 'payment_password_required',
      rule: 'payment_password',
      reason: 'payment password missing',
      decisionMs,
      engine: d,
    };
  if (password === 'incorrect')
    return {
      decision: 'payment_password',
      code: 'payment_password_incorrect',
      rule: 'payment_password',
      reason: 'wrong payment password',
      attemptsRemaining: attemptsRemaining(failedAfter),
      decisionMs,
      engine: d,
    };

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

type PasswordCheck = 'not_required' | 'missing' | 'incorrect' | 'correct';

async function checkPaymentPassword(
  input: GateInputWithLocation,
  loaded: LoadedRiskInput,
  d: RiskDecision,
  config: AppConfig,
): Promise<PasswordCheck> {
  if (d.decision !== 'allow' || !PASSWORD_ACTIONS.has(input.action) || loaded.paymentPasswordHash === null)
    return 'not_required';
  if (input.paymentPassword === undefined) return 'missing';
  const ok = await verifyPaymentPassword(
    config,
    input.userId,
    input.paymentPassword,
    loaded.paymentPasswordHash,
  );
  return ok ? 'correct' : 'incorrect';
}

/**
 * A completed step-up clears step_up rules — except the 3-strikes password lock, which only a
 * step-up passed AFTER the wrong passwords lifts (a passed step-up resets the count, so then the
 * rule no longer fires). Otherwise a step-up passed earlier for another reason (trusted for 15
 * minutes) would let wrong guesses go on.
 */
export function keepPasswordLock(d: RiskDecision): RiskDecision {
  const lock = d.cleared.find((f) => f.rule === 'payment_password_failures');
  if (!lock) return d;
  const cleared = d.cleared.filter((f) => f !== lock);
  if (d.decision !== 'allow') return { ...d, cleared };
  return { ...d, decision: lock.decision, rule: lock.rule, cleared };
}

export const protectionRiskGate: RiskGate = {
  evaluate: (input, { riskRead, ...deps }) =>
    evaluateGate(input, { ...deps, ...(riskRead ? { riskRead: riskRead as RiskReadRow } : {}) }),
};
