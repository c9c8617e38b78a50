/**
 * Where a credit application's score comes from. No credit bureau is connected in this
 * project: the default scorer uses a score already on the user row (set by the seed or by the
 * risk area's evaluation), else a deterministic demo rule on `dev:` names, else 680. The risk
 * area replaces it with `registerCreditScorer` (weighted indicators, high-risk flags).
 */

import { eq } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { schema, type Tx } from '../db';
import type { UserRow } from './common';

export interface CreditScore {
  /** 350–950 scale. */
  creditScore: number;
  isNewUser: boolean;
  highRisk: boolean;
  /** Plain-language reasons shown with the decision (PIPL art. 24). */
  reasons: string[];
}

export type CreditScorer = (args: {
  tx: Tx;
  user: UserRow;
  config: AppConfig;
  now: Date;
}) => Promise<CreditScore>;

/** Demo names: `dev:premium-…` 800, `dev:risky-…` 500 (declined), `dev:frozen-…` high risk; others 680. */
function demoScore(nickname: string | null): number {
  if (!nickname) return 680;
  if (nickname.startsWith('premium')) return 800;
  if (nickname.startsWith('risky')) return 500;
  return 680;
}

export const defaultCreditScorer: CreditScorer = async ({ tx, user }) => {
  const loans = await tx
    .select({ id: schema.loans.id })
    .from(schema.loans)
    .where(eq(schema.loans.userId, user.id))
    .limit(1);
  const creditScore = user.creditScore ?? demoScore(user.nickname);
  return {
    creditScore,
    isNewUser: loans.length === 0,
    highRisk: user.nickname?.startsWith('frozen') ?? false,
    reasons: [`信用评分 ${creditScore} (credit score ${creditScore} on a 350–950 scale)`],
  };
};

let current: CreditScorer = defaultCreditScorer;

export function registerCreditScorer(scorer: CreditScorer): void {
  current = scorer;
}

export function creditScorer(): CreditScorer {
  return current;
}
