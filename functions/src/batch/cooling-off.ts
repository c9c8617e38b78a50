/**
 * Cooling-off payouts through the risk gate. A cooling-off loan is booked (line drawn,
 * Dr loan_principal_receivable / Cr disbursement_clearing) but not paid; when its 24 h window
 * has ended, whoever touches it first — the owner reading or repaying it, the hourly cron or
 * the daily batch — pays it out here, with the loan row locked (so twice is a no-op).
 *
 * Every payout is a `disburse` evaluation of the risk gate (the brief: rules on every
 * borrow, checkout confirm and disbursement; suspicious withdrawals frozen):
 * - allow → paid as before (Dr clearing / Cr bank), status `active`;
 * - step_up / refuse / freeze → the money is NOT paid. Nobody is there to answer a step-up
 *   in a batch, and the loan's schedule runs from its start date, so an undisbursed loan may
 *   not wait open-ended: it is withheld — canceled exactly like a cooling-off cancel
 *   (`cancelLoan`: line released to the fen, installments canceled, the booking reversed),
 *   with the decision kept on the loan (`disbursement_target.withheld`: rule and a reason a
 *   person can read), in the hash-chained audit log (`loan.disbursement_withheld`) and as
 *   the gate's own risk event. A refusal is not an error: it commits, and the batch's other
 *   work is never rolled back because of it.
 */
import { cancelLoan, disburseLoan } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import type { LoanRow } from '../borrower/loan-state';
import type { AppConfig } from '../config';
import { type Database, schema, type Tx } from '../db';
import { type RiskDecision, riskGate } from '../risk-gate';
import { appendAudit } from '../security/audit';

/** What the gate needs besides the transaction (the batch and the cron have it all). */
export interface PayoutDeps {
  database: Database;
  config: AppConfig;
  /** Recorded with the risk event and the audit record (a request id, or `batch:<date>`). */
  requestId: string;
}

export type WithholdingDecision = Exclude<RiskDecision, { decision: 'allow' }>;

export type PayoutOutcome =
  | { kind: 'not_due' }
  | { kind: 'paid'; loan: LoanRow }
  | { kind: 'withheld'; loan: LoanRow; decision: WithholdingDecision }
  /** Another path paid or canceled the loan first (the caller's row was stale). */
  | { kind: 'settled_elsewhere' };

/** The record kept on the loan (`disbursement_target.withheld`) when the payout is withheld. */
export interface WithheldRecord {
  decision: WithholdingDecision['decision'];
  rule: string;
  reason: string;
  at: string;
}

export function isPayoutDue(loan: LoanRow, now: Date): boolean {
  return (
    loan.status === 'cooling_off' &&
    loan.disbursedAt === null &&
    loan.coolingOffUntil !== null &&
    loan.coolingOffUntil.getTime() <= now.getTime()
  );
}

/**
 * Pays out (or withholds) one cooling-off loan whose window has ended. The caller holds the
 * loan's row lock (`lockLoan`) and passes the row it read under that lock.
 */
export async function payOutThroughGate(
  tx: Tx,
  loan: LoanRow,
  now: Date,
  deps: PayoutDeps,
): Promise<PayoutOutcome> {
  if (!isPayoutDue(loan, now)) return { kind: 'not_due' };
  const decision = await riskGate().evaluate(
    {
      action: 'disburse',
      userId: loan.userId,
      amountFen: loan.principalFen,
      now,
      requestId: deps.requestId,
    },
    { tx, database: deps.database, config: deps.config },
  );
  if (decision.decision === 'allow') {
    const paid = await disburseLoan(tx, { loanId: loan.id, payee: { kind: 'borrower' }, now });
    return paid.ok ? { kind: 'paid', loan: paid.value } : { kind: 'settled_elsewhere' };
  }
  return withhold(tx, loan, now, decision, deps.requestId);
}

async function withhold(
  tx: Tx,
  loan: LoanRow,
  now: Date,
  decision: WithholdingDecision,
  requestId: string,
): Promise<PayoutOutcome> {
  const canceled = await cancelLoan(tx, { loanId: loan.id, now });
  if (!canceled.ok) return { kind: 'settled_elsewhere' };
  const withheld: WithheldRecord = { ...explain(decision), at: now.toISOString() };
  const [updated] = await tx
    .update(schema.loans)
    .set({ disbursementTarget: { ...(canceled.value.disbursementTarget ?? {}), withheld }, updatedAt: now })
    .where(eq(schema.loans.id, loan.id))
    .returning();
  await appendAudit(tx, {
    actorType: 'system',
    actorId: 'cooling_off_payout',
    action: 'loan.disbursement_withheld',
    subjectType: 'loan',
    subjectId: loan.id,
    requestId,
    details: {
      decision: withheld.decision,
      rule: withheld.rule,
      principal_fen: loan.principalFen.toString(),
      line_released_fen: loan.principalFen.toString(),
    },
    at: now,
  });
  return { kind: 'withheld', loan: updated ?? canceled.value, decision };
}

/** Rule and plain-language reason of a withholding decision (no PII: rule codes and texts only). */
export function explain(d: WithholdingDecision): Omit<WithheldRecord, 'at'> {
  // A gate asking for the payment password (no rule of its own): nobody can type one into a
  // payout, so the money is held like any other refusal.
  const rule = 'rule' in d ? d.rule : 'payment_password';
  const reason = 'reason' in d ? d.reason : 'the payout needs the payment password';
  return { decision: d.decision, rule, reason };
}
