/**
 * The borrowing rules a shopper meets before a checkout is authorised — the borrower API's own
 * checks, reused: the user and line loaded and locked the same way (`loadSnapshot`,
 * T+1 restorations settled), account not frozen, the live health score with this plan's
 * installment added (`healthFromBook`) and the education quiz (`assessBorrowing`), and the risk
 * gate (`checkout_confirm`) with the same error mapping (risk writes commit). The credit limit
 * is enforced by the draw / hold itself (one conditional update). Cooling-off does not apply:
 * the money goes to the merchant for goods or services, and the way back is the refund.
 */
import { assessBorrowing } from '@fenqi/shared';
import { healthFromBook } from '../borrower/health';
import { loadSnapshot, settleSnapshotRestorations } from '../borrower/snapshot';
import { shanghaiDate } from '../clock';
import type { AppConfig } from '../config';
import type { Database, schema, Tx } from '../db';
import { rule } from '../http/errors';
import { assertRiskAllows, type GeoPoint, riskGate } from '../risk-gate';

export type UserRow = typeof schema.users.$inferSelect;
export type CreditLineRow = typeof schema.creditLines.$inferSelect;

export interface EligibilityContext {
  database: Database;
  config: AppConfig;
  now: Date;
  requestId: string;
  sessionId?: string;
  deviceId?: string;
  idempotencyKey?: string;
  location?: GeoPoint;
  paymentPassword?: string;
}

export interface EligibilityArgs {
  userId: string;
  amountFen: bigint;
  /**
   * Prices the plan for this shopper and line (throwing its refusal) and returns its monthly
   * installment, counted in the health score's debt payments.
   */
  monthlyPaymentOf(user: UserRow, line: CreditLineRow): bigint;
}

/** Throws the refusal as an ApiError; returns the shopper and their (locked) line. */
export async function checkShopperEligibility(
  tx: Tx,
  ctx: EligibilityContext,
  args: EligibilityArgs,
): Promise<{ user: UserRow; line: CreditLineRow; virtualId: string | null }> {
  // One read: the user and line row-locked, restorations and the open loans for the health score.
  const snap = await loadSnapshot(tx, args.userId, { lock: true, riskAt: ctx.now });
  const user = snap.user;
  if (user.status !== 'active') throw rule('account_frozen', 'This account is frozen; contact support.');
  const { line } = await settleSnapshotRestorations(
    tx,
    snap.line as CreditLineRow,
    snap.pendingRestorations,
    shanghaiDate(ctx.now),
    ctx.now,
  );
  const health = healthFromBook(user, snap.book, args.monthlyPaymentOf(user, line));
  const assessed = assessBorrowing({
    educationPassed: user.educationPassedAt !== null,
    healthScore: health.score,
    principalFen: args.amountFen,
    monthlyIncomeFen: user.declaredMonthlyIncomeFen ?? 0n,
  });
  if (!assessed.ok) throw rule(assessed.code, assessed.message);
  const decision = await riskGate().evaluate(
    {
      action: 'checkout_confirm',
      userId: args.userId,
      amountFen: args.amountFen,
      now: ctx.now,
      requestId: ctx.requestId,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
      ...(ctx.deviceId ? { deviceId: ctx.deviceId } : {}),
      ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
      ...(ctx.location ? { location: ctx.location } : {}),
      ...(ctx.paymentPassword !== undefined ? { paymentPassword: ctx.paymentPassword } : {}),
    },
    { tx, database: ctx.database, config: ctx.config, riskRead: snap.riskRead },
  );
  assertRiskAllows(decision);
  return { user, line, virtualId: snap.virtualId };
}
