/**
 * Money-movement primitives. Each takes an open transaction (`tx`) so that a request's
 * idempotency record, business rows, ledger transaction and outbox events commit together;
 * `runIdempotent` opens that transaction (with bounded 40001/40P01 retries).
 *
 * Rules every primitive follows:
 * - limits change only through conditional updates (`… where available >= amount`) or
 *   under a row lock, never read-then-write;
 * - a result `{ ok: false, code }` means the primitive wrote nothing;
 * - programmer errors (bad allocation, unbalanced postings) throw.
 *
 * Lock order (to avoid deadlocks): checkout → loan → credit line.
 */
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import {
  type Database,
  type DbOrTx,
  pgConstraint,
  pgErrorCode,
  RETRYABLE_CODES,
  type Tx,
  withTransaction,
} from './client';
import { newId } from './ids';
import { type AccountRef, ledgerCtes, postLedgerTransaction, systemAccount, transfer } from './ledger';
import { executeMapped, selectListOf } from './reusable';
import {
  type Checkout,
  type CreditLine,
  type CreditPayout,
  checkouts,
  creditHolds,
  creditLines,
  creditPayouts,
  type Installment,
  idempotencyRecords,
  installments,
  type Loan,
  loans,
  outboxEvents,
  pendingLimitRestorations,
  type Refund,
  refunds,
  repaymentAllocations,
  repayments,
} from './schema';
import { insertWhere } from './sql-build';

export type Result<T, C extends string> = { ok: true; value: T } | { ok: false; code: C };
const ok = <T>(value: T) => ({ ok: true as const, value });
const fail = <C extends string>(code: C) => ({ ok: false as const, code });

export class MoneyMovementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyMovementError';
  }
}
function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new MoneyMovementError(message);
}

// ---------------------------------------------------------------------------------------
// idempotency
// ---------------------------------------------------------------------------------------

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyInput {
  /** Who is asking and what: e.g. `usr_…:POST /v1/loans`, `mch_…:test`. */
  scope: string;
  /** The `Idempotency-Key` header (1–255 chars). */
  key: string;
  /** Hash of the canonical request (method, path, body). */
  requestHash: string;
  /** How long the record is kept; at least 24 h (default). */
  ttlMs?: number;
}

export interface IdempotentResponse<T> {
  status: number;
  body: T;
  /** What the request created, e.g. `{ type: 'loan', id: 'loan_…' }`. */
  effect?: { type: string; id: string };
}

export type IdempotentOutcome<T> =
  | { kind: 'executed'; status: number; body: T }
  | { kind: 'replayed'; status: number; body: unknown }
  /** Same key, different request → 409 `idempotency_key_reused`. */
  | { kind: 'mismatch' };

/**
 * An expected business refusal (4xx) from inside `runIdempotent`: the transaction rolls back
 * (nothing partial is written) and the response is stored for the key, so a retry replays it.
 */
export class IdempotentRejection<B = unknown> extends Error {
  constructor(
    readonly status: number,
    readonly body: B,
  ) {
    super(`rejected with ${status}`);
    this.name = 'IdempotentRejection';
  }
}

export interface IdempotentContext {
  /** `scope|key`, recorded on ledger transactions (one effect per key and kind). */
  idempotencyRef: string;
}

/** Raised inside the transaction when the key is already taken: roll back, then replay. */
class IdempotencyKeyTaken extends Error {}

export const IDEMPOTENCY_ATTEMPTS_MAX = 3;

/**
 * Run `fn` and store its response under (scope, key) in the same transaction.
 *
 * Optimistic: the record is inserted, already completed, as the transaction's last statement
 * (one round trip instead of claim + complete). If the key exists — stored earlier, or
 * committed meanwhile by a concurrent request with the same key (the insert waits for it) —
 * the transaction rolls back, effects and all, and the stored response is returned instead.
 * So the same key yields one effect however many times and however concurrently it is sent.
 * An expired record (older than its TTL, ≥ 24 h) is replaced.
 */
export async function runIdempotent<T>(
  database: Database,
  idem: IdempotencyInput,
  now: Date,
  fn: (tx: Tx, ctx: IdempotentContext) => Promise<IdempotentResponse<T>>,
): Promise<IdempotentOutcome<T>> {
  assert(idem.key.length >= 1 && idem.key.length <= 255, 'idempotency key must be 1–255 chars');
  const ttlMs = Math.max(idem.ttlMs ?? IDEMPOTENCY_TTL_MS, IDEMPOTENCY_TTL_MS);
  const ctx: IdempotentContext = { idempotencyRef: `${idem.scope}|${idem.key}` };
  for (let attempt = 1; attempt <= IDEMPOTENCY_ATTEMPTS_MAX; attempt++) {
    let rejection: IdempotentRejection | undefined;
    try {
      return await withTransaction(database, async (tx) => {
        rejection = undefined;
        let response: IdempotentResponse<T>;
        try {
          response = await fn(tx, ctx);
        } catch (error) {
          if (error instanceof IdempotentRejection) rejection = error;
          throw error;
        }
        await storeIdempotentResponse(tx, idem, now, ttlMs, response);
        return { kind: 'executed', status: response.status, body: response.body } as IdempotentOutcome<T>;
      });
    } catch (error) {
      if (rejection && error === rejection) {
        // The business refusal rolled everything back; store it on its own.
        const refused = rejection as IdempotentRejection<T>;
        try {
          await withTransaction(database, (tx) =>
            storeIdempotentResponse(tx, idem, now, ttlMs, { status: refused.status, body: refused.body }),
          );
          return { kind: 'executed', status: refused.status, body: refused.body };
        } catch (storeError) {
          if (!(storeError instanceof IdempotencyKeyTaken)) throw storeError;
        }
      } else if (!(error instanceof IdempotencyKeyTaken) && !isDuplicateEffect(error)) {
        throw error;
      }
    }
    const stored = await readIdempotencyRecord(database, idem);
    if (stored) return stored as IdempotentOutcome<T>;
    // The record we collided with was rolled back (or expired) meanwhile: try again.
  }
  throw new MoneyMovementError('idempotency key kept changing hands');
}

/** The ledger's unique (idempotency_ref, kind) caught a second effect of the same key. */
function isDuplicateEffect(error: unknown): boolean {
  return pgErrorCode(error) === '23505' && pgConstraint(error) === 'ledger_transactions_idempotency_uq';
}

async function storeIdempotentResponse(
  tx: Tx,
  idem: IdempotencyInput,
  now: Date,
  ttlMs: number,
  response: IdempotentResponse<unknown>,
): Promise<void> {
  const record = {
    requestHash: idem.requestHash,
    state: 'completed' as const,
    responseStatus: response.status,
    responseBody: response.body as never,
    effectType: response.effect?.type ?? null,
    effectId: response.effect?.id ?? null,
    createdAt: now,
    completedAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
  };
  const stored = await tx
    .insert(idempotencyRecords)
    .values({ scope: idem.scope, key: idem.key, ...record })
    .onConflictDoUpdate({
      target: [idempotencyRecords.scope, idempotencyRecords.key],
      set: record,
      // Only an expired record may be replaced.
      setWhere: sql`${idempotencyRecords.expiresAt} < ${now.toISOString()}::timestamptz`,
    })
    .returning({ scope: idempotencyRecords.scope });
  if (stored.length !== 1) throw new IdempotencyKeyTaken('idempotency key already used');
}

async function readIdempotencyRecord(
  database: Database,
  idem: IdempotencyInput,
): Promise<IdempotentOutcome<unknown> | undefined> {
  const [record] = await database.db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.scope, idem.scope), eq(idempotencyRecords.key, idem.key)));
  if (!record) return undefined;
  if (record.requestHash !== idem.requestHash) return { kind: 'mismatch' };
  if (record.state !== 'completed' || record.responseStatus === null) return undefined;
  return { kind: 'replayed', status: record.responseStatus, body: record.responseBody };
}

// ---------------------------------------------------------------------------------------
// outbox
// ---------------------------------------------------------------------------------------

export interface EventInput {
  type: string;
  merchantId?: string | null;
  userId?: string | null;
  mode?: 'test' | 'live' | null;
  /** The webhook body's `data.object`. */
  payload: Record<string, unknown>;
  now: Date;
}

/** Write an event in the caller's transaction; it is delivered after commit. */
export async function enqueueEvent(tx: Tx, event: EventInput): Promise<string> {
  const id = newId('evt');
  await tx.insert(outboxEvents).values({
    id,
    type: event.type,
    merchantId: event.merchantId ?? null,
    userId: event.userId ?? null,
    mode: event.mode ?? null,
    payload: event.payload,
    nextAttemptAt: event.now,
    createdAt: event.now,
  });
  return id;
}

// ---------------------------------------------------------------------------------------
// credit line
// ---------------------------------------------------------------------------------------

/** available = base + temporary (while unexpired) − used − held − restoring, in fen. */
export function availableFen(line: CreditLine, now: Date): bigint {
  const temporaryFen =
    line.temporaryExpiresAt && line.temporaryExpiresAt.getTime() > now.getTime()
      ? line.temporaryLimitFen
      : 0n;
  return line.baseLimitFen + temporaryFen - line.usedFen - line.heldFen - line.restoringFen;
}

function availableSql(now: Date) {
  return sql`(${creditLines.baseLimitFen}
    + case when ${creditLines.temporaryExpiresAt} > ${now.toISOString()}::timestamptz then ${creditLines.temporaryLimitFen} else 0 end
    - ${creditLines.usedFen} - ${creditLines.heldFen} - ${creditLines.restoringFen})`;
}

export type DrawRefusal = 'credit_line_not_found' | 'credit_line_frozen' | 'credit_limit_exceeded';

async function whyNoDraw(tx: Tx, creditLineId: string): Promise<DrawRefusal> {
  const [line] = await tx
    .select({ frozen: creditLines.frozen })
    .from(creditLines)
    .where(eq(creditLines.id, creditLineId));
  if (!line) return 'credit_line_not_found';
  return line.frozen ? 'credit_line_frozen' : 'credit_limit_exceeded';
}

/** Take `amountFen` from the line's available amount into `used` (one conditional update). */
export async function drawCredit(
  tx: Tx,
  input: { creditLineId: string; amountFen: bigint; now: Date },
): Promise<Result<CreditLine, DrawRefusal>> {
  assert(input.amountFen > 0n, 'draw amount must be positive');
  const amount = input.amountFen.toString();
  const [line] = await tx
    .update(creditLines)
    .set({ usedFen: sql`${creditLines.usedFen} + ${amount}::bigint`, updatedAt: input.now })
    .where(
      and(
        eq(creditLines.id, input.creditLineId),
        eq(creditLines.frozen, false),
        sql`${availableSql(input.now)} >= ${amount}::bigint`,
      ),
    )
    .returning();
  return line ? ok(line) : fail(await whyNoDraw(tx, input.creditLineId));
}

/** Reserve `amountFen` of the line for an authorised checkout (pending transfer). */
export async function placeHold(
  tx: Tx,
  input: {
    creditLineId: string;
    userId: string;
    checkoutId: string;
    amountFen: bigint;
    now: Date;
    idempotencyRef?: string;
  },
): Promise<Result<{ holdId: string; line: CreditLine }, DrawRefusal>> {
  assert(input.amountFen > 0n, 'hold amount must be positive');
  const amount = input.amountFen.toString();
  const [line] = await tx
    .update(creditLines)
    .set({ heldFen: sql`${creditLines.heldFen} + ${amount}::bigint`, updatedAt: input.now })
    .where(
      and(
        eq(creditLines.id, input.creditLineId),
        eq(creditLines.frozen, false),
        sql`${availableSql(input.now)} >= ${amount}::bigint`,
      ),
    )
    .returning();
  if (!line) return fail(await whyNoDraw(tx, input.creditLineId));
  const holdId = newId('hld');
  await tx.insert(creditHolds).values({
    id: holdId,
    creditLineId: input.creditLineId,
    checkoutId: input.checkoutId,
    amountFen: input.amountFen,
    status: 'held',
    createdAt: input.now,
  });
  await postLedgerTransaction(tx, {
    kind: 'hold',
    refType: 'checkout',
    refId: input.checkoutId,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: transfer(
      { code: 'credit_hold', ownerId: input.userId },
      systemAccount('credit_hold_contra'),
      input.amountFen,
    ),
  });
  return ok({ holdId, line });
}

async function resolveHold(
  tx: Tx,
  input: { checkoutId: string; now: Date; idempotencyRef?: string },
  status: 'released' | 'captured',
  usedIncreaseFen: bigint,
): Promise<Result<{ amountFen: bigint; line: CreditLine }, 'hold_not_found'>> {
  const [hold] = await tx
    .update(creditHolds)
    .set({ status, resolvedAt: input.now })
    .where(and(eq(creditHolds.checkoutId, input.checkoutId), eq(creditHolds.status, 'held')))
    .returning();
  if (!hold) return fail('hold_not_found');
  assert(usedIncreaseFen >= 0n && usedIncreaseFen <= hold.amountFen, 'capture exceeds the hold');
  const [line] = await tx
    .update(creditLines)
    .set({
      heldFen: sql`${creditLines.heldFen} - ${hold.amountFen.toString()}::bigint`,
      usedFen: sql`${creditLines.usedFen} + ${usedIncreaseFen.toString()}::bigint`,
      updatedAt: input.now,
    })
    .where(eq(creditLines.id, hold.creditLineId))
    .returning();
  assert(line, 'credit line of a hold is missing');
  await postLedgerTransaction(tx, {
    kind: status === 'released' ? 'hold_release' : 'hold_capture',
    refType: 'checkout',
    refId: input.checkoutId,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: transfer(
      systemAccount('credit_hold_contra'),
      { code: 'credit_hold', ownerId: line.userId },
      hold.amountFen,
    ),
  });
  return ok({ amountFen: hold.amountFen, line });
}

/** Void the hold of a checkout (cancel / expiry): the amount becomes available again. */
export function releaseHold(tx: Tx, input: { checkoutId: string; now: Date; idempotencyRef?: string }) {
  return resolveHold(tx, input, 'released', 0n);
}

/**
 * Post the hold of a checkout: `captureFen` (≤ the hold) moves into `used`, the rest of the
 * hold is released. Book the loan with `createLoan` in the same transaction.
 */
export function captureHold(
  tx: Tx,
  input: { checkoutId: string; captureFen: bigint; now: Date; idempotencyRef?: string },
) {
  assert(input.captureFen > 0n, 'capture amount must be positive');
  return resolveHold(tx, input, 'captured', input.captureFen);
}

// ---------------------------------------------------------------------------------------
// loans
// ---------------------------------------------------------------------------------------

export interface ScheduleRowInput {
  number: number;
  dueDate: string;
  principalFen: bigint;
  interestFen: bigint;
  feeFen: bigint;
}

export const INSTALLMENTS_MAX = 1200;

export type LoanInput = Omit<
  typeof loans.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'installmentsCount' | 'totalInterestFen' | 'totalFeeFen'
>;

interface BookLoanInput {
  loan: LoanInput;
  schedule: ScheduleRowInput[];
  now: Date;
  idempotencyRef?: string;
  loanId?: string;
  /** Draw the principal from the loan's credit line first (conditional update). */
  draw?: boolean;
  /** Pay out at once (the loan starts `active`, `disbursed_at` = now). */
  disburseTo?: Payee;
  event?: Omit<EventInput, 'now'>;
}

/**
 * One statement: [draw] → loan → installments → ledger booking → [disbursement] → [event],
 * each step a data-modifying CTE that writes only if the draw succeeded.
 */
/** The loan and its schedule as written (the statement's RETURNING rows, decoded by drizzle). */
export interface BookedRows {
  loan: Loan;
  installments: Installment[];
}

const BOOKED = selectListOf(
  { loan: loans, installment: installments },
  {
    loan: 'new_loan',
    installment: 'new_installments',
  },
);

async function bookLoan(
  tx: Tx,
  input: BookLoanInput,
): Promise<{ booked: boolean; loanId: string; installmentIds: string[]; rows?: BookedRows }> {
  const { ctes, loanId, installmentIds } = bookLoanCtes(input);
  // The written rows come back with the statement, so callers need no read-back round trip.
  const rows = await executeMapped<{ loan: Loan; installment: Installment }>(
    tx,
    sql`with ${sql.join(ctes, sql`, `)} select ${BOOKED.list}
      from new_loan join new_installments on new_installments.loan_id = new_loan.id
      order by new_installments.number`,
    BOOKED.ordered,
  );
  const loan = rows[0]?.loan;
  if (!loan) return { booked: false, loanId, installmentIds };
  return {
    booked: true,
    loanId,
    installmentIds,
    rows: { loan, installments: rows.map((r) => r.installment) },
  };
}

/** The CTEs of `bookLoan`; the loan row is `new_loan` (empty when the draw was refused). */
function bookLoanCtes(input: BookLoanInput): { ctes: SQL[]; loanId: string; installmentIds: string[] } {
  const { loan, schedule } = input;
  assert(schedule.length >= 1 && schedule.length <= INSTALLMENTS_MAX, 'schedule length out of range');
  assert(loan.principalFen > 0n, 'loan principal must be positive');
  let principalFen = 0n;
  let interestFen = 0n;
  let feeFen = 0n;
  schedule.forEach((row, i) => {
    assert(row.number === i + 1, 'installments must be numbered 1..n');
    assert(row.principalFen >= 0n && row.interestFen >= 0n && row.feeFen >= 0n, 'negative schedule amount');
    principalFen += row.principalFen;
    interestFen += row.interestFen;
    feeFen += row.feeFen;
  });
  assert(principalFen === loan.principalFen, 'schedule principal must equal the loan principal');
  const loanId = input.loanId ?? newId('loan');
  const installmentIds = schedule.map(() => newId('ins'));
  const ctes: SQL[] = [];
  let condition = sql`true`;
  if (input.draw) {
    const amount = loan.principalFen.toString();
    ctes.push(sql`drawn as (
      update credit_lines set used_fen = used_fen + ${amount}::bigint, updated_at = ${input.now.toISOString()}::timestamptz
      where id = ${loan.creditLineId} and not frozen
        and base_limit_fen + case when temporary_expires_at > ${input.now.toISOString()}::timestamptz then temporary_limit_fen else 0 end
            - used_fen - held_fen - restoring_fen >= ${amount}::bigint
      returning id)`);
    condition = sql`exists (select 1 from drawn)`;
  }
  const disbursed = input.disburseTo !== undefined;
  assert(!disbursed || loan.status !== 'cooling_off', 'a loan in cooling-off is not paid out yet');
  ctes.push(
    sql`new_loan as (${insertWhere(
      loans,
      [
        {
          ...loan,
          id: loanId,
          ...(disbursed ? { status: 'active' as const, disbursedAt: input.now } : {}),
          installmentsCount: schedule.length,
          totalInterestFen: interestFen,
          totalFeeFen: feeFen,
          createdAt: input.now,
          updatedAt: input.now,
        },
      ],
      condition,
      sql`*`,
    )})`,
  );
  const loanExists = sql`exists (select 1 from new_loan)`;
  ctes.push(
    sql`new_installments as (${insertWhere(
      installments,
      schedule.map((row, i) => ({
        id: installmentIds[i]!,
        loanId,
        number: row.number,
        dueDate: row.dueDate,
        principalFen: row.principalFen,
        interestFen: row.interestFen,
        feeFen: row.feeFen,
      })),
      loanExists,
      sql`*`,
    )})`,
  );
  ctes.push(
    ...ledgerCtes(
      {
        kind: 'loan_booking',
        externalId: `loan_booking:${loanId}`,
        refType: 'loan',
        refId: loanId,
        idempotencyRef: input.idempotencyRef,
        effectiveAt: input.now,
        postings: transfer(
          { code: 'loan_principal_receivable', ownerId: loan.userId },
          systemAccount('disbursement_clearing'),
          loan.principalFen,
        ),
      },
      'booking',
      loanExists,
    ).ctes,
  );
  if (input.disburseTo) {
    ctes.push(
      ...ledgerCtes(
        {
          kind: 'disbursement',
          externalId: `disbursement:${loanId}`,
          refType: 'loan',
          refId: loanId,
          idempotencyRef: input.idempotencyRef,
          effectiveAt: input.now,
          postings: transfer(
            systemAccount('disbursement_clearing'),
            payeeAccount(input.disburseTo),
            loan.principalFen,
          ),
        },
        'payout',
        loanExists,
      ).ctes,
    );
  }
  if (input.event) {
    ctes.push(
      sql`new_event as (${insertWhere(
        outboxEvents,
        [
          {
            id: newId('evt'),
            type: input.event.type,
            merchantId: input.event.merchantId ?? null,
            userId: input.event.userId ?? null,
            mode: input.event.mode ?? null,
            payload: input.event.payload,
            nextAttemptAt: input.now,
            createdAt: input.now,
          },
        ],
        loanExists,
      )})`,
    );
  }
  return { ctes, loanId, installmentIds };
}

/**
 * Book a loan and its schedule (the line must already be drawn or captured) and post
 * Dr loan_principal_receivable / Cr disbursement_clearing — one statement. With
 * `disburseTo`, the loan is paid out in the same statement (see `disburseLoan`).
 */
export async function createLoan(
  tx: Tx,
  input: {
    loan: LoanInput;
    schedule: ScheduleRowInput[];
    now: Date;
    idempotencyRef?: string;
    loanId?: string;
    disburseTo?: Payee;
  },
): Promise<{ loanId: string; installmentIds: string[] }> {
  const { booked, loanId, installmentIds } = await bookLoan(tx, { ...input, draw: false });
  assert(booked, 'loan was not booked');
  return { loanId, installmentIds };
}

function payeeAccount(payee: Payee): AccountRef {
  return payee.kind === 'merchant'
    ? { code: 'merchant_payable', ownerId: payee.merchantId }
    : systemAccount('bank');
}

export type Payee = { kind: 'borrower' } | { kind: 'merchant'; merchantId: string };

/** Pay the principal out (after cooling-off, or at once): Dr clearing / Cr bank or merchant payable. */
export async function disburseLoan(
  tx: Tx,
  input: { loanId: string; payee: Payee; now: Date; idempotencyRef?: string },
): Promise<Result<Loan, 'loan_not_disbursable'>> {
  const [loan] = await tx
    .update(loans)
    .set({ status: 'active', disbursedAt: input.now, updatedAt: input.now })
    .where(
      and(
        eq(loans.id, input.loanId),
        inArray(loans.status, ['cooling_off', 'active']),
        sql`${loans.disbursedAt} is null`,
      ),
    )
    .returning();
  if (!loan) return fail('loan_not_disbursable');
  const credit = payeeAccount(input.payee);
  await postLedgerTransaction(tx, {
    kind: 'disbursement',
    externalId: `disbursement:${loan.id}`,
    refType: 'loan',
    refId: loan.id,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: transfer(systemAccount('disbursement_clearing'), credit, loan.principalFen),
  });
  return ok(loan);
}

/** Cancel inside the cooling-off window, at no cost: the line is restored at once. */
export async function cancelLoan(
  tx: Tx,
  input: { loanId: string; now: Date; idempotencyRef?: string },
): Promise<Result<Loan, 'loan_not_cancelable'>> {
  const [loan] = await tx
    .update(loans)
    .set({ status: 'canceled', canceledAt: input.now, updatedAt: input.now })
    .where(
      and(eq(loans.id, input.loanId), eq(loans.status, 'cooling_off'), sql`${loans.disbursedAt} is null`),
    )
    .returning();
  if (!loan) return fail('loan_not_cancelable');
  await tx.update(installments).set({ status: 'canceled' }).where(eq(installments.loanId, loan.id));
  const [line] = await tx
    .update(creditLines)
    .set({
      usedFen: sql`${creditLines.usedFen} - ${loan.principalFen.toString()}::bigint`,
      updatedAt: input.now,
    })
    .where(eq(creditLines.id, loan.creditLineId))
    .returning({ id: creditLines.id });
  assert(line, 'credit line of a loan is missing');
  await postLedgerTransaction(tx, {
    kind: 'loan_cancel',
    externalId: `loan_cancel:${loan.id}`,
    refType: 'loan',
    refId: loan.id,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: transfer(
      systemAccount('disbursement_clearing'),
      { code: 'loan_principal_receivable', ownerId: loan.userId },
      loan.principalFen,
    ),
  });
  return ok(loan);
}

/** Lock a loan row (FOR UPDATE) and read its schedule — compute allocations from this. */
export async function lockLoan(
  tx: Tx,
  loanId: string,
): Promise<{ loan: Loan; installments: Installment[] } | undefined> {
  const [loan] = await tx.select().from(loans).where(eq(loans.id, loanId)).for('update');
  if (!loan) return undefined;
  const rows = await tx
    .select()
    .from(installments)
    .where(eq(installments.loanId, loanId))
    .orderBy(asc(installments.number));
  return { loan, installments: rows };
}

/** Amounts still owed on an installment, by component (schedule − paid − waived). */
export function installmentRemaining(row: Installment) {
  return {
    principalFen: row.principalFen - row.paidPrincipalFen,
    interestFen: row.interestFen - row.paidInterestFen - row.waivedInterestFen,
    feeFen: row.feeFen - row.paidFeeFen - row.waivedFeeFen,
    penaltyFen: row.penaltyFen - row.paidPenaltyFen,
  };
}

/** One installment's share of a repayment (as computed by `@fenqi/shared`'s allocation). */
export interface AllocationInput {
  installmentNumber: number;
  principalFen: bigint;
  interestFen: bigint;
  feeFen: bigint;
  penaltyFen: bigint;
}

/** Scheduled interest / fee given up (interest only to the day of payoff). */
export interface WaiverInput {
  installmentNumber: number;
  interestFen: bigint;
  feeFen: bigint;
}

export interface RepaymentInput {
  loanId: string;
  amountFen: bigint;
  source: 'user' | 'autodebit' | 'refund';
  kind: 'amount' | 'payoff' | 'installment';
  allocations: AllocationInput[];
  waivers?: WaiverInput[];
  /** Overpayment kept as the borrower's credit balance. */
  toCreditBalanceFen?: bigint;
  /** Business date the repaid principal becomes available again (T+1); omitted → now. */
  restoreOn?: string;
  /** Debited account; default the bank (money received from the borrower). */
  fundingAccount?: AccountRef;
  refundId?: string;
  now: Date;
  idempotencyRef?: string;
}

/**
 * Apply a repayment whose allocation the caller computed from `lockLoan`'s snapshot:
 * repayment + allocations (append-only), installments' paid parts, the line's used →
 * restoring (T+1), the loan's status and credit balance, and the ledger transaction
 * Dr funding / Cr principal receivable, interest, fee and penalty income, credit balance.
 */
export async function applyRepayment(
  tx: Tx,
  input: RepaymentInput,
): Promise<
  Result<{ repaymentId: string; loan: Loan; paidOff: boolean }, 'loan_not_found' | 'loan_not_repayable'>
> {
  const toCreditFen = input.toCreditBalanceFen ?? 0n;
  assert(input.amountFen > 0n, 'repayment amount must be positive');
  assert(toCreditFen >= 0n, 'credit balance part must not be negative');
  assert(input.allocations.length <= INSTALLMENTS_MAX, 'too many allocations');
  const locked = await lockLoan(tx, input.loanId);
  if (!locked) return fail('loan_not_found');
  const { loan } = locked;
  const allocatesAnything = input.allocations.some(
    (a) => a.principalFen + a.interestFen + a.feeFen + a.penaltyFen > 0n,
  );
  // A paid-off loan can still receive money (a late refund) — all of it to the credit balance.
  const repayable =
    loan.status === 'active' ||
    loan.status === 'overdue' ||
    (loan.status === 'paid_off' && !allocatesAnything);
  if (!repayable) return fail('loan_not_repayable');

  const byNumber = new Map(locked.installments.map((row) => [row.number, row]));
  const totals = { principalFen: 0n, interestFen: 0n, feeFen: 0n, penaltyFen: 0n };
  const touched = new Map<number, { alloc?: AllocationInput; waiver?: WaiverInput }>();
  for (const a of input.allocations) {
    const row = byNumber.get(a.installmentNumber);
    assert(row, `no installment ${a.installmentNumber}`);
    assert(!touched.get(a.installmentNumber)?.alloc, 'installment allocated twice');
    assert(
      a.principalFen >= 0n && a.interestFen >= 0n && a.feeFen >= 0n && a.penaltyFen >= 0n,
      'negative allocation',
    );
    touched.set(a.installmentNumber, { alloc: a });
    totals.principalFen += a.principalFen;
    totals.interestFen += a.interestFen;
    totals.feeFen += a.feeFen;
    totals.penaltyFen += a.penaltyFen;
  }
  for (const w of input.waivers ?? []) {
    const row = byNumber.get(w.installmentNumber);
    assert(row, `no installment ${w.installmentNumber}`);
    assert(w.interestFen >= 0n && w.feeFen >= 0n, 'negative waiver');
    const entry = touched.get(w.installmentNumber) ?? {};
    assert(!entry.waiver, 'installment waived twice');
    touched.set(w.installmentNumber, { ...entry, waiver: w });
  }
  const allocatedFen = totals.principalFen + totals.interestFen + totals.feeFen + totals.penaltyFen;
  assert(
    allocatedFen + toCreditFen === input.amountFen,
    'allocations + credit balance must equal the amount',
  );

  // Check every touched installment against what is still owed; decide its new status.
  const updates: Array<{ row: Installment; alloc: AllocationInput; waiver: WaiverInput; paid: boolean }> = [];
  for (const [number, entry] of touched) {
    const row = byNumber.get(number)!;
    const alloc = entry.alloc ?? {
      installmentNumber: number,
      principalFen: 0n,
      interestFen: 0n,
      feeFen: 0n,
      penaltyFen: 0n,
    };
    const waiver = entry.waiver ?? { installmentNumber: number, interestFen: 0n, feeFen: 0n };
    const left = installmentRemaining(row);
    assert(alloc.principalFen <= left.principalFen, `principal over-allocated on installment ${number}`);
    assert(
      alloc.interestFen + waiver.interestFen <= left.interestFen,
      `interest over-allocated on installment ${number}`,
    );
    assert(alloc.feeFen + waiver.feeFen <= left.feeFen, `fee over-allocated on installment ${number}`);
    assert(alloc.penaltyFen <= left.penaltyFen, `penalty over-allocated on installment ${number}`);
    const paid =
      alloc.principalFen === left.principalFen &&
      alloc.interestFen + waiver.interestFen === left.interestFen &&
      alloc.feeFen + waiver.feeFen === left.feeFen &&
      alloc.penaltyFen === left.penaltyFen;
    updates.push({ row, alloc, waiver, paid });
  }
  const paidNumbers = new Set(updates.filter((u) => u.paid).map((u) => u.row.number));
  const paidOff =
    loan.status !== 'paid_off' &&
    locked.installments.every((row) => row.status === 'paid' || paidNumbers.has(row.number));

  const repaymentId = newId('rp');
  const ledgerTxId = await postLedgerTransaction(tx, {
    kind: input.source === 'refund' ? 'refund_repayment' : 'repayment',
    externalId: `repayment:${repaymentId}`,
    refType: 'repayment',
    refId: repaymentId,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: [
      { account: input.fundingAccount ?? systemAccount('bank'), amountFen: input.amountFen },
      {
        account: { code: 'loan_principal_receivable', ownerId: loan.userId },
        amountFen: -totals.principalFen,
      },
      { account: systemAccount('interest_income'), amountFen: -totals.interestFen },
      { account: systemAccount('fee_income'), amountFen: -totals.feeFen },
      { account: systemAccount('penalty_income'), amountFen: -totals.penaltyFen },
      { account: { code: 'user_credit_balance', ownerId: loan.userId }, amountFen: -toCreditFen },
    ],
  });
  await tx.insert(repayments).values({
    id: repaymentId,
    loanId: loan.id,
    userId: loan.userId,
    amountFen: input.amountFen,
    toCreditBalanceFen: toCreditFen,
    source: input.source,
    kind: input.kind,
    refundId: input.refundId ?? null,
    ledgerTransactionId: ledgerTxId.id,
    createdAt: input.now,
  });
  const allocationRows = updates
    .filter((u) => u.alloc.principalFen + u.alloc.interestFen + u.alloc.feeFen + u.alloc.penaltyFen > 0n)
    .map((u) => ({
      id: newId('ral'),
      repaymentId,
      loanId: loan.id,
      installmentId: u.row.id,
      principalFen: u.alloc.principalFen,
      interestFen: u.alloc.interestFen,
      feeFen: u.alloc.feeFen,
      penaltyFen: u.alloc.penaltyFen,
      createdAt: input.now,
    }));
  if (allocationRows.length > 0) await tx.insert(repaymentAllocations).values(allocationRows);
  if (updates.length > 0) {
    const values = updates.map(
      (u) =>
        sql`(${u.row.id}, ${u.alloc.principalFen.toString()}::bigint, ${u.alloc.interestFen.toString()}::bigint,
             ${u.alloc.feeFen.toString()}::bigint, ${u.alloc.penaltyFen.toString()}::bigint,
             ${u.waiver.interestFen.toString()}::bigint, ${u.waiver.feeFen.toString()}::bigint, ${u.paid}::boolean)`,
    );
    await tx.execute(sql`
      update installments as i set
        paid_principal_fen = i.paid_principal_fen + v.p,
        paid_interest_fen = i.paid_interest_fen + v.i,
        paid_fee_fen = i.paid_fee_fen + v.f,
        paid_penalty_fen = i.paid_penalty_fen + v.pen,
        waived_interest_fen = i.waived_interest_fen + v.wi,
        waived_fee_fen = i.waived_fee_fen + v.wf,
        status = case when v.paid then 'paid' else i.status end,
        paid_at = case when v.paid then ${input.now.toISOString()}::timestamptz else i.paid_at end
      from (values ${sql.join(values, sql`, `)}) as v(id, p, i, f, pen, wi, wf, paid)
      where i.id = v.id`);
  }
  const [updatedLoan] = await tx
    .update(loans)
    .set({
      creditBalanceFen: sql`${loans.creditBalanceFen} + ${toCreditFen.toString()}::bigint`,
      ...(paidOff ? { status: 'paid_off' as const, paidOffAt: input.now } : {}),
      updatedAt: input.now,
    })
    .where(eq(loans.id, loan.id))
    .returning();
  if (totals.principalFen > 0n) {
    const principal = totals.principalFen.toString();
    const restoreLater = input.restoreOn !== undefined;
    await tx
      .update(creditLines)
      .set({
        usedFen: sql`${creditLines.usedFen} - ${principal}::bigint`,
        ...(restoreLater ? { restoringFen: sql`${creditLines.restoringFen} + ${principal}::bigint` } : {}),
        updatedAt: input.now,
      })
      .where(eq(creditLines.id, loan.creditLineId));
    if (restoreLater) {
      await tx.insert(pendingLimitRestorations).values({
        id: newId('rst'),
        creditLineId: loan.creditLineId,
        loanId: loan.id,
        repaymentId,
        amountFen: totals.principalFen,
        availableOn: input.restoreOn!,
        createdAt: input.now,
      });
    }
  }
  return ok({ repaymentId, loan: updatedLoan!, paidOff });
}

/** Make repaid principal available again for restorations due on or before `asOfDate` (T+1). */
export async function restoreLimits(tx: Tx, input: { asOfDate: string; now: Date }): Promise<number> {
  const result = await tx.execute(sql`
    with due as (
      update pending_limit_restorations set restored_at = ${input.now.toISOString()}::timestamptz
      where available_on <= ${input.asOfDate}::date and restored_at is null
      returning credit_line_id, amount_fen
    ), sums as (
      select credit_line_id, sum(amount_fen)::bigint as total from due group by credit_line_id
    )
    update credit_lines c set restoring_fen = c.restoring_fen - sums.total,
      updated_at = ${input.now.toISOString()}::timestamptz
    from sums where c.id = sums.credit_line_id
    returning c.id`);
  return rowsOf(result).length;
}

// ---------------------------------------------------------------------------------------
// credit balance payout
// ---------------------------------------------------------------------------------------

export const CREDIT_PAYOUT_EVENT = 'credit_balance.paid_out';

/**
 * Pay a closed loan's whole credit balance (overpayments, refunds beyond what was owed) back
 * to the borrower's bank card: Dr `user_credit_balance`(user) / Cr `bank`, a `credit_payouts`
 * row, the loan's balance set to 0 under its row lock, and a user outbox event. Only for a
 * `paid_off` or `canceled` loan; with nothing to pay it writes nothing (`payout: null`), so a
 * repeat is a no-op.
 */
export async function payOutCreditBalance(
  tx: Tx,
  input: { loanId: string; now: Date; idempotencyRef?: string },
): Promise<Result<{ payout: CreditPayout | null }, 'loan_not_found' | 'loan_not_closed'>> {
  const [loan] = await tx.select().from(loans).where(eq(loans.id, input.loanId)).for('update');
  if (!loan) return fail('loan_not_found');
  if (loan.status !== 'paid_off' && loan.status !== 'canceled') return fail('loan_not_closed');
  const amountFen = loan.creditBalanceFen;
  if (amountFen <= 0n) return ok({ payout: null });
  const payoutId = newId('cpo');
  const ledgerTx = await postLedgerTransaction(tx, {
    kind: 'credit_payout',
    externalId: `credit_payout:${payoutId}`,
    refType: 'credit_payout',
    refId: payoutId,
    idempotencyRef: input.idempotencyRef,
    effectiveAt: input.now,
    postings: transfer(
      { code: 'user_credit_balance', ownerId: loan.userId },
      systemAccount('bank'),
      amountFen,
    ),
  });
  const [payout] = await tx
    .insert(creditPayouts)
    .values({
      id: payoutId,
      loanId: loan.id,
      userId: loan.userId,
      amountFen,
      ledgerTransactionId: ledgerTx.id,
      createdAt: input.now,
    })
    .returning();
  const [cleared] = await tx
    .update(loans)
    .set({ creditBalanceFen: 0n, updatedAt: input.now })
    .where(and(eq(loans.id, loan.id), eq(loans.creditBalanceFen, amountFen)))
    .returning({ id: loans.id });
  assert(cleared, 'credit balance changed under the row lock');
  await enqueueEvent(tx, {
    type: CREDIT_PAYOUT_EVENT,
    userId: loan.userId,
    payload: { object: 'credit_payout', id: payoutId, loan: loan.id, amount: amountFen.toString() },
    now: input.now,
  });
  return ok({ payout: payout! });
}

/** Closed loans still holding a credit balance (for the daily sweep), oldest first. */
export async function loansWithCreditToPayOut(db: DbOrTx, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: loans.id })
    .from(loans)
    .where(and(inArray(loans.status, ['paid_off', 'canceled']), sql`${loans.creditBalanceFen} > 0`))
    .orderBy(asc(loans.updatedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------
// refunds
// ---------------------------------------------------------------------------------------

export type RefundRefusal =
  | 'checkout_not_found'
  | 'checkout_not_refundable'
  | 'refund_exceeds_captured'
  | 'loan_not_found';

/**
 * Refund part or all of a captured checkout. The merchant's payable funds a repayment of
 * the shopper's loan (allocation computed by the caller from `lockLoan`); an amount above
 * what the loan still owes goes to `toCreditBalanceFen`. The same `out_refund_no` refunds
 * once: a repeat returns `{ existing }` without writing.
 */
export async function refundCheckout(
  tx: Tx,
  input: {
    checkoutId: string;
    merchantId: string;
    outRefundNo: string;
    amountFen: bigint;
    requestHash: string;
    allocations: AllocationInput[];
    waivers?: WaiverInput[];
    toCreditBalanceFen?: bigint;
    restoreOn?: string;
    now: Date;
    idempotencyRef?: string;
  },
): Promise<Result<{ refund: Refund; checkout: Checkout; existing: boolean }, RefundRefusal>> {
  assert(input.amountFen > 0n, 'refund amount must be positive');
  const [checkout] = await tx
    .select()
    .from(checkouts)
    .where(and(eq(checkouts.id, input.checkoutId), eq(checkouts.merchantId, input.merchantId)))
    .for('update');
  if (!checkout) return fail('checkout_not_found');
  const [existing] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.checkoutId, checkout.id), eq(refunds.outRefundNo, input.outRefundNo)));
  if (existing) return ok({ refund: existing, checkout, existing: true });
  if (checkout.status !== 'captured' && checkout.status !== 'partially_refunded')
    return fail('checkout_not_refundable');
  if (!checkout.loanId) return fail('loan_not_found');
  const refundedFen = checkout.amountRefundedFen + input.amountFen;
  if (refundedFen > checkout.amountCapturedFen) return fail('refund_exceeds_captured');

  const refundId = newId('re');
  const repaid = await applyRepayment(tx, {
    loanId: checkout.loanId,
    amountFen: input.amountFen,
    source: 'refund',
    kind: 'amount',
    allocations: input.allocations,
    waivers: input.waivers,
    toCreditBalanceFen: input.toCreditBalanceFen,
    restoreOn: input.restoreOn,
    fundingAccount: { code: 'merchant_payable', ownerId: input.merchantId },
    refundId,
    now: input.now,
    idempotencyRef: input.idempotencyRef,
  });
  // The loan was locked by the caller to compute the allocation; it must still be repayable.
  assert(repaid.ok, `refund could not be applied to the loan: ${repaid.ok ? '' : repaid.code}`);
  const [refund] = await tx
    .insert(refunds)
    .values({
      id: refundId,
      checkoutId: checkout.id,
      merchantId: input.merchantId,
      loanId: checkout.loanId,
      outRefundNo: input.outRefundNo,
      amountFen: input.amountFen,
      currency: checkout.currency,
      status: 'succeeded',
      requestHash: input.requestHash,
      createdAt: input.now,
    })
    .returning();
  const [updated] = await tx
    .update(checkouts)
    .set({
      amountRefundedFen: refundedFen,
      status: refundedFen === checkout.amountCapturedFen ? 'refunded' : 'partially_refunded',
      updatedAt: input.now,
    })
    .where(eq(checkouts.id, checkout.id))
    .returning();
  return ok({ refund: refund!, checkout: updated!, existing: false });
}

/** Rows of a raw `execute` result on any driver (PGlite / Neon return `{ rows }`). */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/**
 * Borrow in one statement: draw the principal from the line (conditional update), book the
 * loan and its schedule, pay out at once unless the loan starts in cooling-off, and write a
 * `loan.created` outbox event. A refused draw writes nothing.
 */
export async function borrowLoan(
  tx: Tx,
  input: {
    loan: LoanInput;
    schedule: ScheduleRowInput[];
    payee?: Payee;
    now: Date;
    idempotencyRef?: string;
    loanId?: string;
    /** `false`: no `loan.created` outbox event (the borrower API keeps its own evidence). */
    event?: false;
  },
): Promise<Result<{ loanId: string; installmentIds: string[]; rows: BookedRows }, DrawRefusal>> {
  const coolingOff = input.loan.status === 'cooling_off';
  const loanId = input.loanId ?? newId('loan');
  const { event: withEvent, ...rest } = input;
  const booked = await bookLoan(tx, {
    ...rest,
    loanId,
    draw: true,
    disburseTo: coolingOff ? undefined : (input.payee ?? { kind: 'borrower' }),
    event:
      withEvent === false
        ? undefined
        : {
            type: 'loan.created',
            userId: input.loan.userId,
            payload: {
              id: loanId,
              principal_amount: Number(input.loan.principalFen),
              status: coolingOff ? 'cooling_off' : 'active',
            },
          },
  });
  if (!booked.booked || !booked.rows) return fail(await whyNoDraw(tx, input.loan.creditLineId));
  return ok({ loanId, installmentIds: booked.installmentIds, rows: booked.rows });
}

export interface BorrowOnceInput<B> {
  idempotency: IdempotencyInput;
  loan: LoanInput;
  schedule: ScheduleRowInput[];
  payee?: Payee;
  now: Date;
  loanId?: string;
  /** Response stored and returned when the loan is booked (status 201 by default). */
  created: { status?: number; body: (loanId: string) => B };
  /** Response for a refused draw (status 422 by default). */
  refused: { status?: number; body: (code: DrawRefusal) => B };
}

/**
 * Idempotent borrow as ONE autocommitted statement (one round trip): the draw, loan,
 * schedule, ledger, outbox event and the idempotency record with its response all commit
 * together or not at all. Checks that only read (suitability, risk, pricing) run before it;
 * the limit check is the conditional update inside it. A key already used (or a second
 * effect caught by the ledger's unique (idempotency_ref, kind)) aborts the statement and the
 * stored response is returned.
 */
export async function borrowOnce<B>(
  database: Database,
  input: BorrowOnceInput<B>,
): Promise<IdempotentOutcome<B>> {
  const idem = input.idempotency;
  assert(idem.key.length >= 1 && idem.key.length <= 255, 'idempotency key must be 1–255 chars');
  const ttlMs = Math.max(idem.ttlMs ?? IDEMPOTENCY_TTL_MS, IDEMPOTENCY_TTL_MS);
  const idempotencyRef = `${idem.scope}|${idem.key}`;
  const coolingOff = input.loan.status === 'cooling_off';
  for (let attempt = 1; attempt <= IDEMPOTENCY_ATTEMPTS_MAX; attempt++) {
    const loanId = input.loanId ?? newId('loan');
    const { ctes } = bookLoanCtes({
      loan: input.loan,
      schedule: input.schedule,
      now: input.now,
      loanId,
      idempotencyRef,
      draw: true,
      disburseTo: coolingOff ? undefined : (input.payee ?? { kind: 'borrower' }),
      event: {
        type: 'loan.created',
        userId: input.loan.userId,
        payload: { id: loanId, principal_amount: Number(input.loan.principalFen), status: input.loan.status },
      },
    });
    const createdStatus = input.created.status ?? 201;
    const refusedStatus = input.refused.status ?? 422;
    const json = (body: B) => JSON.stringify(body);
    const now = input.now.toISOString();
    const booked = sql`exists (select 1 from new_loan)`;
    const statement = sql`with ${sql.join(ctes, sql`, `)},
      line_state as (select frozen from credit_lines where id = ${input.loan.creditLineId}),
      record as (
        insert into idempotency_records (scope, key, request_hash, state, response_status, response_body,
          effect_type, effect_id, created_at, completed_at, expires_at)
        select ${idem.scope}::text, ${idem.key}::text, ${idem.requestHash}::text, 'completed',
          case when ${booked} then ${createdStatus}::int else ${refusedStatus}::int end,
          case when ${booked} then ${json(input.created.body(loanId))}::jsonb
               when not exists (select 1 from line_state) then ${json(input.refused.body('credit_line_not_found'))}::jsonb
               when (select frozen from line_state) then ${json(input.refused.body('credit_line_frozen'))}::jsonb
               else ${json(input.refused.body('credit_limit_exceeded'))}::jsonb end,
          case when ${booked} then 'loan' end, case when ${booked} then ${loanId}::text end,
          ${now}::timestamptz, ${now}::timestamptz, ${new Date(input.now.getTime() + ttlMs).toISOString()}::timestamptz
        returning response_status, response_body)
      select response_status, response_body from record`;
    try {
      const rows = rowsOf<{ response_status: number; response_body: unknown }>(
        await retryStatement(() => database.db.execute(statement)),
      );
      const row = rows[0];
      assert(row, 'idempotency record not written');
      const body = typeof row.response_body === 'string' ? JSON.parse(row.response_body) : row.response_body;
      return { kind: 'executed', status: Number(row.response_status), body: body as B };
    } catch (error) {
      const taken = pgErrorCode(error) === '23505' && pgConstraint(error) === 'idempotency_records_pk';
      if (!taken && !isDuplicateEffect(error)) throw error;
    }
    const stored = await readIdempotencyRecord(database, idem);
    if (stored) {
      const expired = await database.db
        .delete(idempotencyRecords)
        .where(
          and(
            eq(idempotencyRecords.scope, idem.scope),
            eq(idempotencyRecords.key, idem.key),
            sql`${idempotencyRecords.expiresAt} < ${now}::timestamptz`,
          ),
        )
        .returning({ key: idempotencyRecords.key });
      if (expired.length === 0) return stored as IdempotentOutcome<B>;
    }
  }
  throw new MoneyMovementError('idempotency key kept changing hands');
}

/** Run one autocommitted statement, retrying serialization failures and deadlocks (bounded). */
async function retryStatement<R>(run: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = pgErrorCode(error);
      if (!code || !RETRYABLE_CODES.has(code) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
    }
  }
}
