/**
 * The borrowing rules a shopper meets before a checkout is authorised: the same as for a
 * loan — account not frozen, education quiz passed, health score ≥ 60 (`@fenqi/shared`'s
 * `assessBorrowing`), and the risk gate (`checkout_confirm`). The credit limit is enforced by
 * the hold itself (one conditional update). Cooling-off does not apply: the money goes to the
 * merchant for goods or services, and the shopper's way back is the merchant's refund.
 */
import { assessBorrowing } from '@fenqi/shared';
import { eq } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, schema, type Tx } from '../db';
import { ApiError, rule } from '../http/errors';
import { riskGate } from '../risk-gate';

export interface EligibilityContext {
  database: Database;
  config: AppConfig;
  now: Date;
  requestId: string;
  sessionId?: string;
  deviceId?: string;
  idempotencyKey?: string;
}

export type UserRow = typeof schema.users.$inferSelect;
export type CreditLineRow = typeof schema.creditLines.$inferSelect;

/** Throws the refusal as an ApiError; returns the shopper and their line for the caller. */
export async function checkShopperEligibility(
  tx: Tx,
  ctx: EligibilityContext,
  args: { userId: string; amountFen: bigint },
): Promise<{ user: UserRow; line: CreditLineRow }> {
  const [user] = await tx.select().from(schema.users).where(eq(schema.users.id, args.userId));
  if (!user) throw new ApiError('authentication', 'invalid_token', 'The session token is not valid.');
  if (user.status !== 'active') throw rule('account_frozen', 'Your account is frozen; contact support.');
  const [line] = await tx.select().from(schema.creditLines).where(eq(schema.creditLines.userId, args.userId));
  if (!line || user.healthScore === null) {
    throw rule('credit_line_required', 'Apply for a credit line before paying in installments.');
  }
  const assessed = assessBorrowing({
    educationPassed: user.educationPassedAt !== null,
    healthScore: user.healthScore,
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
    },
    { tx, database: ctx.database, config: ctx.config },
  );
  switch (decision.decision) {
    case 'allow':
      return { user, line };
    case 'step_up':
      throw new ApiError(
        'permission',
        'step_up_required',
        'Verify it is you before paying in installments.',
        undefined,
        {
          details: { step_up: { challenge_id: decision.challengeId ?? null, reason: decision.reason } },
        },
      );
    case 'refuse':
      throw rule('risk_declined', decision.reason);
    case 'freeze':
      throw rule('account_frozen', decision.reason);
  }
}
