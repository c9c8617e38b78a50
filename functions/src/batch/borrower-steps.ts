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
import { and, eq, gt, inArray, isNotNull, lte } from 'drizzle-orm';
import { schema, type Tx } from '../db';
import { purgeExpiredKeys } from '../http/idempotency';
import { type PayoutDeps, payOutThroughGate } from './cooling-off';
import type { DailyStep } from './daily';
import { chunks, loansToSweep, planReminders, SWEEP_CHUNK_LOANS, sweepLoans } from './loan-sweep';

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
      // Set-based (loan-sweep.ts): a chunk of loans is locked, read, planned and written back
      // in four statements.
      const candidates = await loansToSweep(tx, businessDate, LOANS_PER_RUN_MAX);
      let accrued = 0;
      let overdue = 0;
      for (const chunk of chunks(candidates, SWEEP_CHUNK_LOANS)) {
        const counts = await sweepLoans(tx, chunk, businessDate);
        accrued += counts.loans_accrued;
        overdue += counts.loans_overdue;
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
        // The k-th reminder of a period goes out once: reminders_sent moves k → k+1.
        planned += await planReminders(tx, {
          k,
          dueDate: addBusinessDays(businessDate, offset),
          businessDate,
          asOf,
          limit: LOANS_PER_RUN_MAX,
        });
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
