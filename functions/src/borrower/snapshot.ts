/**
 * Everything the borrowing rules read about one person, in ONE round trip: the user and the
 * credit line (row-locked for a borrow), the digital-mask numbers, the unrestored T+1
 * restorations, the principal still owed on consumer loans (¥200,000 cap) and the open
 * loans' monthly payments (health score). A serverless function talks to a remote
 * database, so each separate read would cost one network latency on the hot paths
 * (`POST /v1/quotes`, `POST /v1/loans`, checkout confirm).
 *
 * The pure helpers below turn the snapshot into the domain's inputs; the slower per-question
 * readers (`domainLine`, `computeHealth`) compute the same values.
 */

import { reusableSelect } from '@fenqi/db';
import { type BusinessDate, PRODUCTS, type ProductCode } from '@fenqi/shared';
import { eq, sql } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import { riskReadColumn, riskReadValues } from '../risk/gate';
import { type LineRow, settleLineRestorations, type UserRow } from './common';
import type { OpenLoanBook } from './health';

type Reader = Database['db'] | Tx;

export interface PendingRestoration {
  amountFen: bigint;
  availableOn: string;
}

export interface BorrowerSnapshot {
  user: UserRow;
  line: LineRow | undefined;
  virtualCard: string | null;
  virtualId: string | null;
  /** Unrestored restorations of the line (empty when `restoring_fen` is zero). */
  pendingRestorations: PendingRestoration[];
  /** Principal still owed on open consumer loans (for the ¥200,000 consumer cap). */
  consumerOpenPrincipalFen: bigint;
  book: OpenLoanBook;
  /** The risk gate's read, when asked for (`riskAt`): hand it to the gate as `riskRead`. */
  riskRead?: unknown;
}

const OPEN = sql.raw(`('cooling_off', 'active', 'overdue')`);
const CONSUMER_PRODUCTS = sql.raw(
  `(${(Object.keys(PRODUCTS) as ProductCode[])
    .filter((p) => PRODUCTS[p].audience === 'consumer')
    .map((p) => `'${p}'`)
    .join(', ')})`,
);

interface Aggregates {
  consumer: string | null;
  pending: Array<{ a: string; on: string }> | null;
  loans: Array<{ s: string; first: string | null }> | null;
}

const u = schema.users.id;
const SELECTION = {
  user: schema.users,
  line: schema.creditLines,
  virtualCard: schema.identityVault.virtualBankCardNumber,
  virtualId: schema.identityVault.virtualIdNumber,
  agg: sql<Aggregates>`json_build_object(
    'consumer', (select coalesce(sum(i.principal_fen - i.paid_principal_fen), 0)::text
       from installments i join loans l on l.id = i.loan_id
       where l.user_id = ${u} and l.status in ${OPEN} and l.product in ${CONSUMER_PRODUCTS}
         and i.status <> 'canceled'),
    'pending', (select json_agg(json_build_object('a', r.amount_fen::text, 'on', r.available_on))
       from pending_limit_restorations r
       where r.credit_line_id = ${schema.creditLines.id} and r.restored_at is null),
    'loans', (select json_agg(json_build_object('s', l.status, 'first',
         (select (i.principal_fen + i.interest_fen + i.fee_fen)::text from installments i
          where i.loan_id = l.id and i.status not in ('paid', 'canceled')
          order by i.number limit 1)))
       from loans l where l.user_id = ${u}))`,
};
const vaultJoin = eq(schema.identityVault.userId, schema.users.id);
const lineJoin = eq(schema.creditLines.userId, schema.users.id);
const byId = eq(schema.users.id, sql.placeholder('userId'));

/**
 * The row locks of a borrow, in their own statement: under READ COMMITTED a statement reads
 * from the snapshot taken when it STARTS, so totals read in the same statement as a lock that
 * had to wait would miss the loan the lock holder just committed (two concurrent borrows
 * could then pass the consumer cap together). The snapshot read that follows starts after the
 * lock is held and sees it. (Row locks cannot apply to the nullable side of an outer join.)
 */
const lockUserAndLine = reusableSelect((db) =>
  db
    .select({ id: schema.users.id })
    .from(schema.users)
    .innerJoin(schema.creditLines, lineJoin)
    .where(byId)
    .for('update', { of: [schema.users, schema.creditLines] }),
);
const plainSnapshot = reusableSelect((db) =>
  db
    .select(SELECTION)
    .from(schema.users)
    .leftJoin(schema.creditLines, lineJoin)
    .leftJoin(schema.identityVault, vaultJoin)
    .where(byId),
);
/** The same, with the risk gate's read as one more column (borrow and checkout confirm). */
const snapshotWithRisk = reusableSelect((db) =>
  db
    .select({ ...SELECTION, risk: riskReadColumn() })
    .from(schema.users)
    .leftJoin(schema.creditLines, lineJoin)
    .leftJoin(schema.identityVault, vaultJoin)
    .where(byId),
);

/**
 * Loads the snapshot; with `lock`, the user and line rows are first locked FOR UPDATE (in that
 * order, the lock order of every money-moving path). A user who no longer exists → 401; with
 * `lock`, one without a line → 422 `credit_line_required`.
 */
export async function loadSnapshot(
  db: Reader,
  userId: string,
  opts: { lock?: boolean; riskAt?: Date } = {},
): Promise<BorrowerSnapshot> {
  if (opts.lock && (await lockUserAndLine(db, { userId })).length === 0) {
    await loadSnapshot(db, userId); // 401 when the user is gone
    throw lineRequired();
  }
  // With `riskAt`, the risk gate's read rides along (after the lock, like the gate's own).
  const [row] = opts.riskAt
    ? await snapshotWithRisk(db, { userId, ...riskReadValues(userId, opts.riskAt) })
    : await plainSnapshot(db, { userId });
  if (!row)
    throw new ApiError('authentication', 'invalid_token', 'The session does not match a user; log in again.');
  const agg = (typeof row.agg === 'string' ? JSON.parse(row.agg) : row.agg) as Aggregates;
  return {
    user: row.user,
    line: row.line ?? undefined,
    virtualCard: row.virtualCard ?? null,
    virtualId: row.virtualId ?? null,
    pendingRestorations: (agg.pending ?? []).map((p) => ({ amountFen: BigInt(p.a), availableOn: p.on })),
    consumerOpenPrincipalFen: BigInt(agg.consumer ?? '0'),
    book: bookOf(agg.loans ?? []),
    ...('risk' in row && row.risk ? { riskRead: parsedJson(row.risk) } : {}),
  };
}

function parsedJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

export function lineRequired(): ApiError {
  return new ApiError(
    'business_rule',
    'credit_line_required',
    'Apply for a credit line first (POST /v1/credit/applications).',
  );
}

/** The health score's view of the open loans: each one's first unpaid installment amount. */
export function bookOf(loans: ReadonlyArray<{ s: string; first: string | null }>): OpenLoanBook {
  const open = loans.filter((l) => l.s === 'cooling_off' || l.s === 'active' || l.s === 'overdue');
  return {
    paymentsFen: open.flatMap((l) => (l.first === null ? [] : [BigInt(l.first)])),
    anyOverdue: open.some((l) => l.s === 'overdue'),
    anyLoan: loans.some((l) => l.s !== 'canceled'),
  };
}

/**
 * Makes the snapshot's matured T+1 restorations available (a write only when one matured)
 * and returns the line with the restorations still pending.
 */
export async function settleSnapshotRestorations(
  tx: Tx,
  line: LineRow,
  pending: readonly PendingRestoration[],
  today: BusinessDate,
  now: Date,
): Promise<{ line: LineRow; pending: PendingRestoration[] }> {
  const later = pending.filter((p) => p.availableOn > today);
  if (later.length === pending.length) return { line, pending: later };
  return { line: await settleLineRestorations(tx, line, today, now), pending: later };
}
