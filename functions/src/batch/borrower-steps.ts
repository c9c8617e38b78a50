/**
 * The borrower steps of the daily batch, for business date D (run at 00:00 Asia/Shanghai):
 * 1. pay out cooling-off loans whose 24 h window has ended (through the risk gate);
 * 2. accrue penalty (0.05 %/day on overdue principal) and grace interest through D, and set
 *    installment / loan statuses as of D (due, overdue, back to active), respecting grace;
 * 3. make repaid principal available again (T+1 restorations due by D);
 * 4. expire temporary increases whose 30 days are over;
 * 5. plan reminders: 3 per installment period (3 days before, 1 day before, on the due date);
 * 6. purge idempotency records past their retention.
 */

import { lockLoan, restoreLimits } from '@fenqi/db';
import { addDays as addBusinessDays } from '@fenqi/shared';
import { and, eq, gt, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import { persistAccrual, persistStatuses } from '../borrower/loan-state';
import { newId, schema, type Tx } from '../db';
import { purgeExpiredKeys } from '../http/idempotency';
import { type PayoutDeps, payOutThroughGate } from './cooling-off';
import type { DailyStep } from './daily';

const LOANS_PER_RUN_MAX = 100_000;

export const REMINDER_OFFSETS_DAYS = [3, 1, 0] as const;

/**
 * Pays out every cooling-off loan whose window ended by `now`, each through the risk gate
 * (`disburse`; a refused payout is withheld, see cooling-off.ts). Run by the daily batch and on
 * every cron call (schedule the cron hourly so payouts are never more than an hour late; a
 * loan read or repaid by its owner is paid out at that moment anyway).
 */
export async function payOutCoolingOffLoans(
  tx: Tx,
  now: Date,
  deps: PayoutDeps,
): Promise<{ paid: number; withheld: number }> {
  const due = await tx
    .select({ id: schema.loans.id })
    .from(schema.loans)
    .where(and(eq(schema.loans.status, 'cooling_off'), lte(schema.loans.coolingOffUntil, now)))
    .limit(LOANS_PER_RUN_MAX);
  let paid = 0;
  let withheld = 0;
  for (const { id } of due) {
    const locked = await lockLoan(tx, id);
    if (!locked) continue;
    const outcome = await payOutThroughGate(tx, locked.loan, now, deps);
    if (outcome.kind === 'paid') paid++;
    if (outcome.kind === 'withheld') withheld++;
  }
  return { paid, withheld };
}

/** `payOutCoolingOffLoans`, counting the loans paid out (the cron's response). */
export async function payOutCoolingOff(tx: Tx, now: Date, deps: PayoutDeps): Promise<number> {
  return (await payOutCoolingOffLoans(tx, now, deps)).paid;
}

export const borrowerDailySteps: DailyStep[] = [
  {
    name: 'cooling_off_payouts',
    async run({ tx, database, config, businessDate, asOf }) {
      const deps = { database, config, requestId: `batch:${businessDate}` };
      const { paid, withheld } = await payOutCoolingOffLoans(tx, asOf, deps);
      return { loans_paid_out: paid, loans_payout_withheld: withheld };
    },
  },
  {
    name: 'accrual_and_status',
    async run({ tx, businessDate }) {
      // Loans with an installment due by D that is not paid: the only ones whose state moves.
      const candidates = await tx
        .selectDistinct({ id: schema.installments.loanId })
        .from(schema.installments)
        .innerJoin(schema.loans, eq(schema.loans.id, schema.installments.loanId))
        .where(
          and(
            inArray(schema.loans.status, ['active', 'overdue']),
            lte(schema.installments.dueDate, businessDate),
            inArray(schema.installments.status, ['pending', 'due', 'overdue']),
          ),
        )
        .limit(LOANS_PER_RUN_MAX);
      let accrued = 0;
      let overdue = 0;
      for (const { id } of candidates) {
        const locked = await lockLoan(tx, id);
        if (!locked) continue;
        const a = await persistAccrual(tx, locked.loan, locked.installments, businessDate);
        if (a.loan.accruedThrough !== locked.loan.accruedThrough) accrued++;
        const fresh = await lockLoan(tx, id);
        if (!fresh) continue;
        const loan = await persistStatuses(tx, fresh.loan, fresh.installments, businessDate);
        if (loan.status === 'overdue') overdue++;
      }
      return { loans_examined: candidates.length, loans_accrued: accrued, loans_overdue: overdue };
    },
  },
  {
    name: 'limit_restorations',
    async run({ tx, businessDate, asOf }) {
      return { lines_restored: await restoreLimits(tx, { asOfDate: businessDate, now: asOf }) };
    },
  },
  {
    name: 'temporary_expiry',
    async run({ tx, asOf }) {
      const expired = await tx
        .update(schema.creditLines)
        .set({ temporaryLimitFen: 0n, updatedAt: asOf })
        .where(
          and(
            isNotNull(schema.creditLines.temporaryExpiresAt),
            lte(schema.creditLines.temporaryExpiresAt, asOf),
            gt(schema.creditLines.temporaryLimitFen, 0n),
          ),
        )
        .returning({ id: schema.creditLines.id });
      if (expired.length > 0) {
        await tx
          .update(schema.temporaryIncreases)
          .set({ status: 'expired' })
          .where(
            and(
              inArray(
                schema.temporaryIncreases.creditLineId,
                expired.map((e) => e.id),
              ),
              inArray(schema.temporaryIncreases.status, ['approved', 'renewed']),
              lte(schema.temporaryIncreases.expiresAt, asOf),
            ),
          );
      }
      return { temporary_increases_expired: expired.length };
    },
  },
  {
    name: 'reminders',
    async run({ tx, businessDate, asOf }) {
      let planned = 0;
      for (const [k, offset] of REMINDER_OFFSETS_DAYS.entries()) {
        const dueDate = addBusinessDays(businessDate, offset);
        // The k-th reminder of a period goes out once: reminders_sent moves k → k+1.
        const rows = await tx
          .select({
            id: schema.installments.id,
            loanId: schema.installments.loanId,
            userId: schema.loans.userId,
            sent: schema.installments.remindersSent,
          })
          .from(schema.installments)
          .innerJoin(schema.loans, eq(schema.loans.id, schema.installments.loanId))
          .where(
            and(
              eq(schema.installments.dueDate, dueDate),
              inArray(schema.installments.status, ['pending', 'due']),
              inArray(schema.loans.status, ['active', 'overdue']),
              lte(schema.installments.remindersSent, k),
            ),
          )
          .limit(LOANS_PER_RUN_MAX);
        for (const r of rows) {
          // The conditional update claims this reminder: a concurrent run of the same date
          // waits on the row, then finds the count moved and plans nothing.
          const claimed = await tx
            .update(schema.installments)
            .set({ remindersSent: sql`${schema.installments.remindersSent} + 1` })
            .where(and(eq(schema.installments.id, r.id), eq(schema.installments.remindersSent, r.sent)))
            .returning({ id: schema.installments.id });
          if (claimed.length === 0 || r.sent >= 3) continue;
          // 10:00 Asia/Shanghai on the business date — inside the allowed contact hours.
          const scheduledAt = new Date(asOf.getTime() + 10 * 3600 * 1000);
          await tx.insert(schema.collectionContacts).values({
            id: newId('col'),
            userId: r.userId,
            loanId: r.loanId,
            installmentId: r.id,
            channel: 'wechat',
            kind: 'reminder',
            contactDate: businessDate,
            scheduledAt,
            outcome: `reminder_${r.sent + 1}_of_3`,
            createdAt: asOf,
          });
          planned++;
        }
      }
      return { reminders_planned: planned };
    },
  },
  {
    name: 'idempotency_purge',
    async run({ tx, asOf }) {
      return { idempotency_records_purged: await purgeExpiredKeys(tx, asOf) };
    },
  },
];
