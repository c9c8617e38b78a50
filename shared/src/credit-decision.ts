import { BASE_LIMIT_FEN_MAX, BASE_LIMIT_FEN_MIN } from './credit-line';
import type { Decimal } from './decimal';
import type { Fen } from './money';
import { APR_BANDS, type AprBand, baseAnnualRate, type Tier, tierFor } from './pricing';
import { HEALTH_BLOCK_BELOW } from './suitability';

export interface CreditDecisionInput {
  readonly monthlyIncomeFen: Fen;
  /** Credit score on the 350–950 scale (from the risk evaluation). */
  readonly creditScore: number;
  readonly isNewUser: boolean;
  readonly healthScore: number;
  /** Set by risk control for high-risk users: their line is frozen / not granted. */
  readonly highRisk: boolean;
}

export type CreditDeclineCode =
  | 'credit_score_too_low'
  | 'income_insufficient'
  | 'health_score_too_low'
  | 'high_risk';

export type CreditDecision =
  | {
      readonly status: 'approved';
      readonly tier: Tier;
      readonly baseLimitFen: Fen;
      readonly aprBand: AprBand;
      /** Long-term nominal annual rate for this person. */
      readonly annualRate: Decimal;
      readonly reasons: readonly string[];
    }
  | {
      readonly status: 'declined';
      readonly declineCode: CreditDeclineCode;
      readonly reasons: readonly string[];
    };

/** Lowest score that can be approved. */
export const APPROVAL_SCORE_MIN = 550;
/** Lowest monthly income that can be approved: ¥1,000. */
export const INCOME_FEN_MIN = 100_000n;
/** Base line = monthly income × multiplier, by tier. */
export const LIMIT_INCOME_MULTIPLIER: Readonly<Record<Tier, bigint>> = { premium: 6n, regular: 4n, new: 2n };

/**
 * Simple credit decision (the weighted-indicator evaluation lives in `credit-evaluation.ts`).
 * Declines, in this order: high risk, score < 550, income < ¥1,000, health score < 60.
 * Approves with base line = income × (6 premium / 4 regular / 2 new), rounded down to ¥100,
 * clamped to ¥500 – ¥200,000.
 */
export function decideCredit(input: CreditDecisionInput): CreditDecision {
  if (input.highRisk)
    return {
      status: 'declined',
      declineCode: 'high_risk',
      reasons: ['风险评估未通过,暂无法授信 (risk review not passed)'],
    };
  if (input.creditScore < APPROVAL_SCORE_MIN)
    return {
      status: 'declined',
      declineCode: 'credit_score_too_low',
      reasons: [`信用评分低于${APPROVAL_SCORE_MIN} (credit score below ${APPROVAL_SCORE_MIN})`],
    };
  if (input.monthlyIncomeFen < INCOME_FEN_MIN)
    return {
      status: 'declined',
      declineCode: 'income_insufficient',
      reasons: ['月收入低于1,000元 (monthly income below ¥1,000)'],
    };
  if (input.healthScore < HEALTH_BLOCK_BELOW)
    return {
      status: 'declined',
      declineCode: 'health_score_too_low',
      reasons: [`借贷健康度${input.healthScore}分,低于60分 (health score below 60)`],
    };
  const tier = tierFor(input);
  const raw = ((input.monthlyIncomeFen * LIMIT_INCOME_MULTIPLIER[tier]) / 10_000n) * 10_000n;
  const baseLimitFen =
    raw < BASE_LIMIT_FEN_MIN ? BASE_LIMIT_FEN_MIN : raw > BASE_LIMIT_FEN_MAX ? BASE_LIMIT_FEN_MAX : raw;
  return {
    status: 'approved',
    tier,
    baseLimitFen,
    aprBand: APR_BANDS[tier],
    annualRate: baseAnnualRate(tier, input.creditScore),
    reasons: [
      `用户等级:${tier === 'premium' ? '优质' : tier === 'regular' ? '普通' : '新用户'} (tier ${tier}, score ${input.creditScore})`,
      `额度为月收入的${LIMIT_INCOME_MULTIPLIER[tier]}倍,取整到百元,范围500–200,000元 (line = ${LIMIT_INCOME_MULTIPLIER[tier]} × monthly income)`,
    ],
  };
}
