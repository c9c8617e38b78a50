/**
 * Credit evaluation in the service: where the weighted indicators come from, the scorer the
 * borrower area's credit application calls, the quarterly re-evaluation job, and the list
 * of decisions a user may read (PIPL art. 24).
 *
 * Indicator sources. No bank, bureau or WeChat Pay data source is connected in this project;
 * the provider below is a documented stand-in with the production adapters named:
 * - payment_flow (WeChat Pay inflow; needs `payment_flow`) — dev: base, −15 below ¥3,000 income;
 * - consumption_stability (needs `consumption_records`) — dev: base;
 * - social_activity (needs `social_activity`) — dev: base;
 * - repayment_history (our own loans; essential) — base + 2 per on-time, −15 per overdue;
 * - account_tenure (essential) — base;
 * - income_verification — base, +10 when `income_proof` is authorised.
 * "base" is the user's existing 350–950 score mapped to 0–100 when one is on file, else the
 * demo rule on `dev:` names the borrower area uses (premium… 85, risky… 20, others 55 ≈ 680).
 * An indicator whose authorisation is off is not read at all (`null`: left out, re-weighted).
 * High-risk flags: account frozen by risk control; a `frozen…` demo name (watch list); an
 * installment more than 90 days overdue. Flags freeze the line.
 */
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import { type CreditScorer, registerCreditScorer } from '../borrower/bureau';
import type { UserRow } from '../borrower/common';
import { addDays } from '../clock';
import { type Database, schema, type Tx } from '../db';
import { appendAudit } from '../security/audit';
import { grantedAuthorizations } from './authorizations';
import {
  APPROVAL_SCORE_MIN,
  type CreditEvaluation,
  type CreditEvaluationInput,
  type CreditReason,
  decideCredit,
  evaluateCredit,
  explainCreditChange,
  type HighRiskFlag,
} from './shared';

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

function baseIndicator(user: UserRow): number {
  if (user.creditScore !== null) return clamp((user.creditScore - 350) / 6);
  const n = user.nickname ?? '';
  if (n.startsWith('premium')) return 85;
  if (n.startsWith('risky')) return 20;
  return 55;
}

export async function creditIndicators(
  db: Database['db'] | Tx,
  user: UserRow,
  asOfDate: string,
): Promise<CreditEvaluationInput> {
  const granted = await grantedAuthorizations(db, user.id);
  const b = baseIndicator(user);
  const income = user.declaredMonthlyIncomeFen;
  const flags: HighRiskFlag[] = [];
  if (user.status === 'frozen') flags.push('risk_engine_freeze');
  if ((user.nickname ?? '').startsWith('frozen')) flags.push('fraud_list');
  const [severe] = await db
    .select({ id: schema.installments.id })
    .from(schema.installments)
    .innerJoin(schema.loans, eq(schema.loans.id, schema.installments.loanId))
    .where(
      and(
        eq(schema.loans.userId, user.id),
        eq(schema.installments.status, 'overdue'),
        lte(schema.installments.dueDate, addDays(asOfDate, -90)),
      ),
    )
    .limit(1);
  if (severe) flags.push('severe_overdue');
  return {
    scores: {
      payment_flow: granted.has('payment_flow')
        ? clamp(b - (income !== null && income < 300_000n ? 15 : 0))
        : null,
      consumption_stability: granted.has('consumption_records') ? b : null,
      social_activity: granted.has('social_activity') ? b : null,
      repayment_history: clamp(b + 2 * user.onTimeRepaymentsCount - 15 * user.overdueHistoryCount),
      account_tenure: b,
      income_verification: clamp(b + (granted.has('income_proof') ? 10 : 0)),
    },
    monthlyIncomeFen: income,
    highRiskFlags: flags,
  };
}

const reasonText = (r: CreditReason) => `${r.textZh} (${r.text})`;
/** Reasons about the score (the line itself follows the pricing rule, explained separately). */
const scoreReasons = (e: CreditEvaluation) =>
  e.reasons.filter((r) => !r.code.startsWith('line_') && r.code !== 'declined_score_too_low');

/** The scorer behind POST /v1/credit/applications: weighted indicators → 350–950 score. */
export const weightedCreditScorer: CreditScorer = async ({ tx, user, now }) => {
  const asOf = new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const input = await creditIndicators(tx, user, asOf);
  const e = evaluateCredit(input);
  const [anyLoan] = await tx
    .select({ id: schema.loans.id })
    .from(schema.loans)
    .where(eq(schema.loans.userId, user.id))
    .limit(1);
  const reasons = scoreReasons(e);
  await appendAudit(tx, {
    actorType: 'system',
    actorId: 'credit_evaluation',
    action: 'credit.evaluated',
    subjectType: 'user',
    subjectId: user.id,
    details: {
      kind: 'application',
      credit_score: e.creditScore,
      composite_bps: e.compositeBps,
      high_risk_flags: [...input.highRiskFlags],
      policy_version: e.policyVersion,
      reasons: reasons.map((r) => ({ code: r.code, text: r.text, text_zh: r.textZh })),
    },
    at: now,
  });
  return {
    creditScore: e.creditScore,
    isNewUser: !anyLoan,
    highRisk: input.highRiskFlags.length > 0,
    reasons: reasons.map(reasonText),
  };
};

export function registerWeightedScorer(): void {
  registerCreditScorer(weightedCreditScorer);
}

export const REVIEW_INTERVAL_DAYS = 90;
export const REVIEWS_PER_DAY_MAX = 500;

/**
 * Quarterly re-evaluation (daily-batch step): every line last evaluated ≥ 90 days ago. The new
 * base line follows the same pricing rule as the application (`decideCredit`, with the new
 * score), never below what is already drawn or held; high-risk → frozen; a line frozen by
 * the review is unfrozen when the user qualifies again (risk-control freezes stay for staff).
 * Every change is recorded with its reasons.
 */
export async function runQuarterlyReview(
  tx: Tx,
  businessDate: string,
  asOf: Date,
): Promise<{ reviewed: number; changed: number }> {
  const due = addDays(businessDate, -REVIEW_INTERVAL_DAYS);
  const lines = await tx
    .select()
    .from(schema.creditLines)
    .where(
      sql`${schema.creditLines.evaluatedAt} is not null and (${schema.creditLines.evaluatedAt} at time zone 'Asia/Shanghai')::date <= ${due}::date`,
    )
    .orderBy(schema.creditLines.evaluatedAt)
    .limit(REVIEWS_PER_DAY_MAX);
  let changed = 0;
  for (const line of lines) {
    const [user] = await tx.select().from(schema.users).where(eq(schema.users.id, line.userId));
    if (!user) continue;
    const input = await creditIndicators(tx, user, businessDate);
    const e = evaluateCredit(input);
    const decided = decideCredit({
      monthlyIncomeFen: user.declaredMonthlyIncomeFen ?? 0n,
      creditScore: e.creditScore,
      isNewUser: false,
      // Health gates borrowing, not the size of the line (it is checked at each borrow).
      healthScore: Math.max(user.healthScore ?? 100, 60),
      highRisk: false,
    });
    const drawnFen = line.usedFen + line.heldFen;
    let status: 'approved' | 'frozen' | 'declined';
    let newBase = line.baseLimitFen;
    const extra: CreditReason[] = [];
    if (input.highRiskFlags.length > 0) status = 'frozen';
    else if (decided.status === 'declined') status = 'declined';
    else {
      status = 'approved';
      newBase = decided.baseLimitFen;
      extra.push(...decided.reasons.map((t) => ({ code: 'line_rule', text: t, textZh: t })));
      if (newBase < drawnFen) {
        newBase = drawnFen;
        extra.push({
          code: 'line_not_below_drawn',
          text: 'The line is not lowered below what you have already borrowed',
          textZh: '额度不低于已用额度',
        });
      }
    }
    const merged: CreditEvaluation = {
      ...e,
      status,
      baseLimitFen: newBase,
      reasons: [...scoreReasons(e), ...extra],
    };
    const previous = {
      status: line.frozen ? ('frozen' as const) : ('approved' as const),
      baseLimitFen: line.baseLimitFen,
    };
    const change = explainCreditChange(previous, merged);
    const riskFreeze = line.frozen && (line.frozenReason ?? '').startsWith('risk:');
    const frozen = status !== 'approved' || riskFreeze;
    if (status === 'declined') {
      change.reasons.splice(1, 0, {
        code: 'review_score_below_minimum',
        text: `Score ${e.creditScore} is below ${APPROVAL_SCORE_MIN}: the line is frozen until the next review; your loans are unaffected`,
        textZh: `评分${e.creditScore}低于${APPROVAL_SCORE_MIN},额度冻结至下次复评,已有借款不受影响`,
      });
    }
    await tx
      .update(schema.creditLines)
      .set({
        baseLimitFen: newBase,
        creditScore: e.creditScore,
        frozen,
        frozenReason: frozen ? (riskFreeze ? line.frozenReason : `credit_review:${status}`) : null,
        evaluation: {
          policy: 'weighted',
          policy_version: e.policyVersion,
          composite_bps: e.compositeBps,
          credit_score: e.creditScore,
          contributions: e.contributions.map((c) => ({
            indicator: c.indicator,
            weight_bps: c.weightBps,
            score: c.score,
            points_bps: c.pointsBps,
          })),
        },
        evaluatedAt: asOf,
        nextReviewOn: addDays(businessDate, REVIEW_INTERVAL_DAYS),
        updatedAt: asOf,
      })
      .where(eq(schema.creditLines.id, line.id));
    await tx
      .update(schema.users)
      .set({ creditScore: e.creditScore, updatedAt: asOf })
      .where(eq(schema.users.id, user.id));
    if (change.kind !== 'unchanged' || frozen !== line.frozen) changed++;
    await appendAudit(tx, {
      actorType: 'system',
      actorId: 'credit_evaluation',
      action: 'credit.evaluated',
      subjectType: 'user',
      subjectId: user.id,
      details: {
        kind: 'quarterly',
        change: change.kind,
        status: frozen ? 'frozen' : 'approved',
        credit_score: e.creditScore,
        composite_bps: e.compositeBps,
        previous_limit_fen: line.baseLimitFen.toString(),
        new_limit_fen: newBase.toString(),
        high_risk_flags: [...input.highRiskFlags],
        policy_version: e.policyVersion,
        reasons: change.reasons.map((r) => ({ code: r.code, text: r.text, text_zh: r.textZh })),
      },
      at: asOf,
    });
  }
  return { reviewed: lines.length, changed };
}

/** GET /v1/credit/decisions: the user's automated credit decisions, newest first, with reasons. */
export async function listCreditDecisions(db: Database['db'] | Tx, userId: string) {
  const rows = await db
    .select()
    .from(schema.auditLog)
    .where(
      and(
        eq(schema.auditLog.subjectType, 'user'),
        eq(schema.auditLog.subjectId, userId),
        eq(schema.auditLog.action, 'credit.evaluated'),
      ),
    )
    .orderBy(desc(schema.auditLog.seq))
    .limit(100);
  return {
    data: rows.map((r) => {
      const d = r.details as Record<string, unknown>;
      const fen = (k: string) => (typeof d[k] === 'string' ? Number(d[k]) : undefined);
      return {
        id: `cdec_${r.seq}`,
        object: 'credit_decision',
        kind: d.kind,
        change: d.change ?? null,
        status: d.status ?? null,
        credit_score: d.credit_score,
        ...(fen('previous_limit_fen') !== undefined
          ? { previous_limit_amount: fen('previous_limit_fen') }
          : {}),
        ...(fen('new_limit_fen') !== undefined
          ? { base_limit_amount: fen('new_limit_fen'), currency: 'CNY' }
          : {}),
        policy_version: d.policy_version,
        reasons: d.reasons,
        created_at: r.createdAt.toISOString(),
      };
    }),
    has_more: false,
  };
}
