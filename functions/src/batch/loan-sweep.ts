/**
 * The set-based loan steps of the daily batch. The per-loan path (`persistAccrual` then
 * `persistStatuses` under `lockLoan`, one loan at a time) cost ~6 round trips per loan and
 * made a 2,500-loan day take seconds. Here a chunk of loans is locked and read in two
 * statements, the same domain functions (`accrueTo`, `installmentStatus`, `loanStatus`) decide
 * every row in memory, and the changes go back in one statement per table — the same fen,
 * statuses and counts as the per-loan path.
 */
import { rowsOf } from '@fenqi/db';
import type { BusinessDate } from '@fenqi/shared';
import { accrueTo, installmentStatus, loanStatus, sumFen } from '@fenqi/shared';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { type InstallmentRow, type LoanRow, toDomainLoan } from '../borrower/loan-state';
import { newId, schema, type Tx } from '../db';

/** Loans locked and written per statement group (well under PostgreSQL's limits). */
export const SWEEP_CHUNK_LOANS = 500;

type StoredInstallmentStatus = InstallmentRow['status'];

export interface InstallmentChange {
  id: string;
  /** Set when accrual moved the row: penalty, interest (grace folded in), accrued-through date. */
  penaltyFen?: bigint;
  interestFen?: bigint;
  penaltyAccruedThrough?: BusinessDate;
  status?: StoredInstallmentStatus;
}

export interface LoanDayPlan {
  /** The loan's new `accrued_through`, when accrual moved it. */
  accruedThrough?: BusinessDate;
  /** The loan's new status, when it changed. */
  status?: LoanRow['status'];
  /** The status the loan has after the plan. */
  finalStatus: LoanRow['status'];
  installments: InstallmentChange[];
}

/**
 * What the batch writes for one loan on `asOf`: exactly what `persistAccrual` followed by
 * `persistStatuses` write (see borrower/loan-state.ts), as data. `rows` ordered by number.
 */
export function planLoanDay(loan: LoanRow, rows: readonly InstallmentRow[], asOf: BusinessDate): LoanDayPlan {
  const none: LoanDayPlan = { finalStatus: loan.status, installments: [] };
  if (loan.status !== 'active' && loan.status !== 'overdue') return none;
  const changes = new Map<string, InstallmentChange>();
  const change = (id: string) => {
    let c = changes.get(id);
    if (!c) {
      c = { id };
      changes.set(id, c);
    }
    return c;
  };

  // 1. accrual (persistAccrual)
  let current = rows;
  let accruedThrough: BusinessDate | undefined;
  const before = toDomainLoan(loan, rows);
  const after = accrueTo(before, asOf);
  if (after !== before) {
    const byNumber = new Map(after.installments.map((i) => [i.number, i]));
    current = rows.map((r) => {
      const a = byNumber.get(r.number);
      if (!a || (a.penaltyFen === r.penaltyFen && a.graceInterestFen === 0n)) return r;
      const interestFen = sumFen([r.interestFen, a.graceInterestFen]);
      Object.assign(change(r.id), { penaltyFen: a.penaltyFen, interestFen, penaltyAccruedThrough: asOf });
      return { ...r, penaltyFen: a.penaltyFen, interestFen, penaltyAccruedThrough: asOf };
    });
    accruedThrough = asOf;
  }
  const accruedLoan = accruedThrough ? { ...loan, accruedThrough } : loan;

  // 2. statuses (persistStatuses, on the rows as accrual left them)
  const domain = toDomainLoan(accruedLoan, current);
  for (const i of domain.installments) {
    const s = installmentStatus(i, asOf);
    const stored = s === 'grace' ? 'due' : s;
    const row = current.find((r) => r.number === i.number);
    if (row && row.status !== stored && row.status !== 'canceled') change(row.id).status = stored;
  }
  const status = loanStatus(domain, asOf);
  const statusChanged = status !== loan.status && status !== 'paid_off';
  return {
    ...(accruedThrough ? { accruedThrough } : {}),
    ...(statusChanged ? { status } : {}),
    finalStatus: statusChanged ? status : loan.status,
    installments: [...changes.values()],
  };
}

export interface SweepCounts {
  loans_accrued: number;
  loans_overdue: number;
}

/**
 * Locks `loanIds` (in id order, one statement), reads their schedules (one statement), plans
 * every loan with `planLoanDay` and writes the changes back (one statement per table).
 */
export async function sweepLoans(
  tx: Tx,
  loanIds: readonly string[],
  asOf: BusinessDate,
): Promise<SweepCounts> {
  const counts: SweepCounts = { loans_accrued: 0, loans_overdue: 0 };
  if (loanIds.length === 0) return counts;
  const ids = [...loanIds];
  const loans = await tx
    .select()
    .from(schema.loans)
    .where(inArray(schema.loans.id, ids))
    .orderBy(asc(schema.loans.id))
    .for('update');
  const rows = await tx
    .select()
    .from(schema.installments)
    .where(inArray(schema.installments.loanId, ids))
    .orderBy(asc(schema.installments.loanId), asc(schema.installments.number));
  const rowsByLoan = new Map<string, InstallmentRow[]>();
  for (const r of rows) {
    const list = rowsByLoan.get(r.loanId);
    if (list) list.push(r);
    else rowsByLoan.set(r.loanId, [r]);
  }

  const loanChanges: Array<{ id: string; accrued_through: string | null; status: string | null }> = [];
  const installmentChanges: Array<Record<string, string | null>> = [];
  for (const loan of loans) {
    const plan = planLoanDay(loan, rowsByLoan.get(loan.id) ?? [], asOf);
    if (plan.accruedThrough !== undefined) counts.loans_accrued++;
    if (plan.finalStatus === 'overdue') counts.loans_overdue++;
    if (plan.accruedThrough !== undefined || plan.status !== undefined)
      loanChanges.push({
        id: loan.id,
        accrued_through: plan.accruedThrough ?? null,
        status: plan.status ?? null,
      });
    for (const c of plan.installments)
      installmentChanges.push({
        id: c.id,
        penalty_fen: c.penaltyFen?.toString() ?? null,
        interest_fen: c.interestFen?.toString() ?? null,
        penalty_accrued_through: c.penaltyAccruedThrough ?? null,
        status: c.status ?? null,
      });
  }

  if (installmentChanges.length > 0)
    await tx.execute(sql`
      update installments i set
        penalty_fen = coalesce(v.penalty_fen, i.penalty_fen),
        interest_fen = coalesce(v.interest_fen, i.interest_fen),
        penalty_accrued_through = coalesce(v.penalty_accrued_through, i.penalty_accrued_through),
        status = coalesce(v.status, i.status)
      from jsonb_to_recordset(${JSON.stringify(installmentChanges)}::jsonb)
        as v(id text, penalty_fen bigint, interest_fen bigint, penalty_accrued_through date, status text)
      where i.id = v.id`);
  if (loanChanges.length > 0)
    await tx.execute(sql`
      update loans l set
        accrued_through = coalesce(v.accrued_through, l.accrued_through),
        status = coalesce(v.status, l.status),
        updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(loanChanges)}::jsonb)
        as v(id text, accrued_through date, status text)
      where l.id = v.id`);
  return counts;
}

/**
 * The loans whose state can move on `asOf`: active or overdue with an installment due by then
 * and not paid (everything else has nothing to accrue and no status to change).
 */
export async function loansToSweep(tx: Tx, asOf: BusinessDate, limit: number): Promise<string[]> {
  const candidates = await tx
    .selectDistinct({ id: schema.installments.loanId })
    .from(schema.installments)
    .innerJoin(schema.loans, eq(schema.loans.id, schema.installments.loanId))
    .where(
      and(
        inArray(schema.loans.status, ['active', 'overdue']),
        lte(schema.installments.dueDate, asOf),
        inArray(schema.installments.status, ['pending', 'due', 'overdue']),
      ),
    )
    .limit(limit);
  return candidates.map((c) => c.id);
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Plans the `k`-th reminder (0-based) of every unpaid installment due on `dueDate`: claims it
 * (reminders_sent k' → k'+1 for the count read, so a concurrent run of the same date that
 * waited on the rows finds the count moved and plans nothing) and inserts the contacts —
 * three statements for all rows instead of two per row.
 */
export async function planReminders(
  tx: Tx,
  input: { k: number; dueDate: BusinessDate; businessDate: BusinessDate; asOf: Date; limit: number },
): Promise<number> {
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
        eq(schema.installments.dueDate, input.dueDate),
        inArray(schema.installments.status, ['pending', 'due']),
        inArray(schema.loans.status, ['active', 'overdue']),
        lte(schema.installments.remindersSent, input.k),
      ),
    )
    .limit(input.limit);
  if (rows.length === 0) return 0;
  const claimed = new Set<string>();
  for (const part of chunks(rows, SWEEP_CHUNK_LOANS * 4)) {
    const result = await tx.execute(sql`
      update installments i set reminders_sent = i.reminders_sent + 1
      from jsonb_to_recordset(${JSON.stringify(part.map((r) => ({ id: r.id, sent: r.sent })))}::jsonb)
        as v(id text, sent integer)
      where i.id = v.id and i.reminders_sent = v.sent
      returning i.id`);
    for (const r of rowsOf<{ id: string }>(result)) claimed.add(r.id);
  }
  // 10:00 Asia/Shanghai on the business date — inside the allowed contact hours.
  const scheduledAt = new Date(input.asOf.getTime() + 10 * 3600 * 1000);
  const contacts = rows
    .filter((r) => claimed.has(r.id) && r.sent < 3)
    .map((r) => ({
      id: newId('col'),
      userId: r.userId,
      loanId: r.loanId,
      installmentId: r.id,
      channel: 'wechat' as const,
      kind: 'reminder' as const,
      contactDate: input.businessDate,
      scheduledAt,
      outcome: `reminder_${r.sent + 1}_of_3`,
      createdAt: input.asOf,
    }));
  for (const part of chunks(contacts, SWEEP_CHUNK_LOANS))
    await tx.insert(schema.collectionContacts).values(part);
  return contacts.length;
}
