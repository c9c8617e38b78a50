/**
 * Credit evaluation (授信): the base credit line from weighted indicators, with reasons a
 * person can read (PIPL art. 24 — anyone may ask why an automated decision was made).
 *
 * Indicators are integer scores 0–100 (the caller derives them from data the user has
 * authorised). Weights in basis points (sum 10,000):
 *   payment flow 42 % · consumption stability 22 % · social activity 18 ·
 *   repayment history 8 % · account tenure 4 % · income verification 6 %  (the "rest" 18 %).
 * An indicator the user has not authorised (`null`) is left out and the remaining weights
 * are re-normalised — refusing a non-essential authorisation never lowers the score by
 * itself (at least one indicator must be present).
 *
 * composite_bps = Σ score·weight / Σ weight(present) × 100   (0 … 10,000)
 * declined when composite < 4,000 bps; otherwise
 * line = ¥500 + (¥200,000 − ¥500) × (composite − 4,000) / 6,000, floored to ¥100,
 * then capped at 12 × verified monthly income when income is known (never lend more than a
 * year of income), never below ¥500. High-risk flags freeze the line (status `frozen`,
 * line kept for the record but not usable).
 */

export type CreditIndicator =
  | 'payment_flow'
  | 'consumption_stability'
  | 'social_activity'
  | 'repayment_history'
  | 'account_tenure'
  | 'income_verification';

export const CREDIT_INDICATOR_WEIGHTS_BPS: Readonly<Record<CreditIndicator, number>> = Object.freeze({
  payment_flow: 4_200,
  consumption_stability: 2_200,
  social_activity: 1_800,
  repayment_history: 800,
  account_tenure: 400,
  income_verification: 600,
});

const INDICATOR_LABEL: Record<CreditIndicator, { en: string; zh: string }> = {
  payment_flow: { en: 'Payment flow', zh: '支付流水' },
  consumption_stability: { en: 'Consumption stability', zh: '消费稳定性' },
  social_activity: { en: 'Social activity', zh: '社交活跃度' },
  repayment_history: { en: 'Repayment history', zh: '还款记录' },
  account_tenure: { en: 'Account age', zh: '账户时长' },
  income_verification: { en: 'Income verification', zh: '收入核验' },
};

export type HighRiskFlag = 'fraud_list' | 'identity_mismatch' | 'risk_engine_freeze' | 'severe_overdue';

const FLAG_TEXT: Record<HighRiskFlag, { en: string; zh: string }> = {
  fraud_list: { en: 'your account matched a fraud watch list', zh: '账户命中反欺诈名单' },
  identity_mismatch: { en: 'your identity details could not be confirmed', zh: '身份信息核验未通过' },
  risk_engine_freeze: { en: 'a suspicious transaction froze the account', zh: '可疑交易触发冻结' },
  severe_overdue: { en: 'a repayment is more than 90 days overdue', zh: '存在逾期超过90天的欠款' },
};

export interface CreditEvaluationInput {
  /** Integer 0–100 per indicator; null = not authorised / not available (left out). */
  scores: Readonly<Record<CreditIndicator, number | null>>;
  /** Verified monthly income in fen, if known. */
  monthlyIncomeFen: bigint | null;
  highRiskFlags: readonly HighRiskFlag[];
}

export interface IndicatorContribution {
  indicator: CreditIndicator;
  weightBps: number;
  score: number | null;
  /** Contribution to the composite in bps (after re-normalisation); 0 when left out. */
  pointsBps: number;
}

export interface CreditReason {
  code: string;
  text: string;
  textZh: string;
}

export type CreditStatus = 'approved' | 'declined' | 'frozen';

export interface CreditEvaluation {
  status: CreditStatus;
  /** The computed base line in fen (0 when declined). Frozen keeps the line but it is not usable. */
  baseLimitFen: bigint;
  compositeBps: number;
  /** The same evaluation on the 350–950 credit-score scale used by pricing (`decideCredit`, tiers). */
  creditScore: number;
  contributions: IndicatorContribution[];
  reasons: CreditReason[];
  declineCode: 'score_too_low' | null;
  policyVersion: string;
}

export const CREDIT_POLICY_VERSION = 'credit-2026.1';
export const CREDIT_LINE_MIN_FEN = 50_000n; // ¥500
export const CREDIT_LINE_MAX_FEN = 20_000_000n; // ¥200,000
export const CREDIT_LINE_STEP_FEN = 10_000n; // ¥100
export const CREDIT_APPROVE_MIN_BPS = 4_000;
export const CREDIT_INCOME_MULTIPLE = 12n;
export const CREDIT_SCORE_MIN = 350;
export const CREDIT_SCORE_MAX = 950;

/** composite (0–10,000 bps) → credit score 350–950, linear, floored. */
export function creditScoreFromComposite(compositeBps: number): number {
  return CREDIT_SCORE_MIN + Math.floor(((CREDIT_SCORE_MAX - CREDIT_SCORE_MIN) * compositeBps) / 10_000);
}

/** `¥12,345` for whole-yuan amounts (credit lines are multiples of ¥100). */
export function formatYuanWhole(fen: bigint): string {
  const yuan = (fen < 0n ? -fen : fen) / 100n;
  const grouped = yuan.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0n ? '-' : ''}¥${grouped}`;
}

function assertScores(scores: CreditEvaluationInput['scores']): void {
  for (const k of Object.keys(CREDIT_INDICATOR_WEIGHTS_BPS) as CreditIndicator[]) {
    const s = scores[k];
    if (s === null) continue;
    if (!Number.isInteger(s) || s < 0 || s > 100)
      throw new Error('credit-evaluation: score must be an integer 0–100');
  }
  if (Object.values(scores).every((v) => v === null))
    throw new Error('credit-evaluation: no indicator available');
}

function strength(score: number): { en: string; zh: string } {
  if (score >= 80) return { en: 'strong', zh: '优秀' };
  if (score >= 60) return { en: 'good', zh: '良好' };
  if (score >= 40) return { en: 'fair', zh: '一般' };
  return { en: 'weak', zh: '较弱' };
}

/** Evaluate the base line. Pure; deterministic; reasons cover every indicator and the outcome. */
export function evaluateCredit(input: CreditEvaluationInput): CreditEvaluation {
  assertScores(input.scores);
  const indicators = Object.keys(CREDIT_INDICATOR_WEIGHTS_BPS) as CreditIndicator[];
  let presentWeight = 0;
  let weighted = 0;
  for (const k of indicators) {
    const s = input.scores[k];
    if (s === null) continue;
    presentWeight += CREDIT_INDICATOR_WEIGHTS_BPS[k];
    weighted += s * CREDIT_INDICATOR_WEIGHTS_BPS[k];
  }
  // weighted ≤ 100 · 10,000: exact in integers; composite in bps of the 0–100 scale.
  const compositeBps = Math.floor((weighted * 100) / presentWeight);
  const contributions: IndicatorContribution[] = indicators.map((k) => {
    const s = input.scores[k];
    return {
      indicator: k,
      weightBps: CREDIT_INDICATOR_WEIGHTS_BPS[k],
      score: s,
      pointsBps: s === null ? 0 : Math.floor((s * CREDIT_INDICATOR_WEIGHTS_BPS[k] * 100) / presentWeight),
    };
  });

  const reasons: CreditReason[] = [];
  const byImpact = contributions.filter((c) => c.score !== null).sort((a, b) => b.weightBps - a.weightBps);
  for (const c of byImpact) {
    const st = strength(c.score as number);
    const label = INDICATOR_LABEL[c.indicator];
    reasons.push({
      code: `indicator_${c.indicator}`,
      text: `${label.en} (${c.weightBps / 100}% of the score): ${st.en}, ${c.score}/100`,
      textZh: `${label.zh}(占评分${c.weightBps / 100}%):${st.zh},${c.score}/100`,
    });
  }
  for (const c of contributions) {
    if (c.score !== null) continue;
    const label = INDICATOR_LABEL[c.indicator];
    reasons.push({
      code: `indicator_${c.indicator}_not_used`,
      text: `${label.en} was not used because you have not authorised it; it does not lower your score`,
      textZh: `您未授权${label.zh},该项未参与评估,不影响评分`,
    });
  }
  reasons.push({
    code: 'composite_score',
    text: `Overall score ${(compositeBps / 100).toFixed(2)} / 100 (approval needs ${CREDIT_APPROVE_MIN_BPS / 100})`,
    textZh: `综合评分 ${(compositeBps / 100).toFixed(2)} / 100(审批门槛 ${CREDIT_APPROVE_MIN_BPS / 100})`,
  });

  if (compositeBps < CREDIT_APPROVE_MIN_BPS) {
    const weakest = byImpact.filter((c) => (c.score as number) < 60).map((c) => INDICATOR_LABEL[c.indicator]);
    reasons.push({
      code: 'declined_score_too_low',
      text: `Declined: the overall score is below ${CREDIT_APPROVE_MIN_BPS / 100}${weakest.length ? `; the weakest areas are ${weakest.map((w) => w.en.toLowerCase()).join(', ')}` : ''}`,
      textZh: `未通过:综合评分低于${CREDIT_APPROVE_MIN_BPS / 100}${weakest.length ? `,较弱项:${weakest.map((w) => w.zh).join('、')}` : ''}`,
    });
    return {
      status: 'declined',
      baseLimitFen: 0n,
      compositeBps,
      creditScore: creditScoreFromComposite(compositeBps),
      contributions,
      reasons,
      declineCode: 'score_too_low',
      policyVersion: CREDIT_POLICY_VERSION,
    };
  }

  const span = CREDIT_LINE_MAX_FEN - CREDIT_LINE_MIN_FEN;
  const raw =
    CREDIT_LINE_MIN_FEN +
    (span * BigInt(compositeBps - CREDIT_APPROVE_MIN_BPS)) / BigInt(10_000 - CREDIT_APPROVE_MIN_BPS);
  let line = (raw / CREDIT_LINE_STEP_FEN) * CREDIT_LINE_STEP_FEN;
  reasons.push({
    code: 'line_from_score',
    text: `A score of ${(compositeBps / 100).toFixed(2)} gives a line of ${formatYuanWhole(line)} (range ${formatYuanWhole(CREDIT_LINE_MIN_FEN)}–${formatYuanWhole(CREDIT_LINE_MAX_FEN)})`,
    textZh: `综合评分对应额度 ${formatYuanWhole(line)}(范围 ${formatYuanWhole(CREDIT_LINE_MIN_FEN)}–${formatYuanWhole(CREDIT_LINE_MAX_FEN)})`,
  });
  if (input.monthlyIncomeFen !== null) {
    if (input.monthlyIncomeFen < 0n) throw new Error('credit-evaluation: negative income');
    const capFen =
      ((input.monthlyIncomeFen * CREDIT_INCOME_MULTIPLE) / CREDIT_LINE_STEP_FEN) * CREDIT_LINE_STEP_FEN;
    if (capFen < line) {
      line = capFen;
      reasons.push({
        code: 'line_capped_by_income',
        text: `Limited to 12 months of your stated income: ${formatYuanWhole(line < CREDIT_LINE_MIN_FEN ? CREDIT_LINE_MIN_FEN : line)}`,
        textZh: `额度不超过12个月收入:${formatYuanWhole(line < CREDIT_LINE_MIN_FEN ? CREDIT_LINE_MIN_FEN : line)}`,
      });
    }
  }
  if (line < CREDIT_LINE_MIN_FEN) line = CREDIT_LINE_MIN_FEN;
  if (line > CREDIT_LINE_MAX_FEN) line = CREDIT_LINE_MAX_FEN;

  if (input.highRiskFlags.length > 0) {
    for (const f of [...new Set(input.highRiskFlags)]) {
      reasons.push({
        code: `frozen_${f}`,
        text: `Line frozen: ${FLAG_TEXT[f].en}. Contact support to review it.`,
        textZh: `额度已冻结:${FLAG_TEXT[f].zh}。可联系客服复核。`,
      });
    }
    return {
      status: 'frozen',
      baseLimitFen: line,
      compositeBps,
      creditScore: creditScoreFromComposite(compositeBps),
      contributions,
      reasons,
      declineCode: null,
      policyVersion: CREDIT_POLICY_VERSION,
    };
  }
  return {
    status: 'approved',
    baseLimitFen: line,
    compositeBps,
    creditScore: creditScoreFromComposite(compositeBps),
    contributions,
    reasons,
    declineCode: null,
    policyVersion: CREDIT_POLICY_VERSION,
  };
}

export type CreditChangeKind =
  | 'initial'
  | 'increase'
  | 'decrease'
  | 'unchanged'
  | 'frozen'
  | 'unfrozen'
  | 'declined';

export interface CreditChange {
  kind: CreditChangeKind;
  previousLimitFen: bigint | null;
  newLimitFen: bigint;
  /** The summary reason first, then the evaluation's reasons. */
  reasons: CreditReason[];
}

/**
 * Compare a re-evaluation (quarterly job) with the previous decision and explain the change.
 * `previous` null → the first decision.
 */
export function explainCreditChange(
  previous: { status: CreditStatus; baseLimitFen: bigint } | null,
  next: CreditEvaluation,
): CreditChange {
  const newLimitFen = next.baseLimitFen;
  let kind: CreditChangeKind;
  let summary: CreditReason;
  if (previous === null) {
    kind = next.status === 'declined' ? 'declined' : next.status === 'frozen' ? 'frozen' : 'initial';
    summary = {
      code: `change_${kind}`,
      text: `First evaluation: ${next.status}`,
      textZh: `首次评估:${next.status === 'approved' ? '通过' : next.status === 'frozen' ? '冻结' : '未通过'}`,
    };
  } else if (next.status === 'frozen' && previous.status !== 'frozen') {
    kind = 'frozen';
    summary = {
      code: 'change_frozen',
      text: 'Your line was frozen at the review',
      textZh: '复评后额度被冻结',
    };
  } else if (previous.status === 'frozen' && next.status === 'approved') {
    kind = 'unfrozen';
    summary = {
      code: 'change_unfrozen',
      text: `Your line was unfrozen at ${formatYuanWhole(newLimitFen)}`,
      textZh: `额度已解冻:${formatYuanWhole(newLimitFen)}`,
    };
  } else if (next.status === 'declined') {
    kind = 'declined';
    summary = {
      code: 'change_declined',
      text: 'At the review your score no longer qualifies for a line',
      textZh: '复评后综合评分未达授信门槛',
    };
  } else if (newLimitFen > previous.baseLimitFen) {
    kind = 'increase';
    summary = {
      code: 'change_increase',
      text: `Line raised from ${formatYuanWhole(previous.baseLimitFen)} to ${formatYuanWhole(newLimitFen)}`,
      textZh: `额度由${formatYuanWhole(previous.baseLimitFen)}提升至${formatYuanWhole(newLimitFen)}`,
    };
  } else if (newLimitFen < previous.baseLimitFen) {
    kind = 'decrease';
    summary = {
      code: 'change_decrease',
      text: `Line lowered from ${formatYuanWhole(previous.baseLimitFen)} to ${formatYuanWhole(newLimitFen)}`,
      textZh: `额度由${formatYuanWhole(previous.baseLimitFen)}调整为${formatYuanWhole(newLimitFen)}`,
    };
  } else {
    kind = 'unchanged';
    summary = {
      code: 'change_unchanged',
      text: `Line unchanged at ${formatYuanWhole(newLimitFen)}`,
      textZh: `额度维持${formatYuanWhole(newLimitFen)}`,
    };
  }
  return {
    kind,
    previousLimitFen: previous ? previous.baseLimitFen : null,
    newLimitFen,
    reasons: [summary, ...next.reasons],
  };
}
