/** Borrowing, cooling-off, bills, payoff quote and grace. */

import { borrowLoan, cancelLoan, deferWrite, lockLoan } from '@fenqi/db';
import {
  addDays,
  assessBorrowing,
  COOLING_OFF_MS,
  drawLine,
  fenToJson,
  GRACE_PER_YEAR_MAX,
  PRODUCTS,
  payoffQuote,
  type Quote,
  requestGrace,
  yearOf,
} from '@fenqi/shared';
import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { isPayoutDue, type PayoutDeps, payOutThroughGate } from '../batch/cooling-off';
import { shanghaiDate, shanghaiMidnight } from '../clock';
import { newId, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import { toPage } from '../http/parse';
import type { RouteContext, RouteResult } from '../http/route';
import { assertRiskAllows, paymentPasswordOf, riskGate, riskHints } from '../risk-gate';
import {
  domainLineFrom,
  type LineRow,
  loadUser,
  refusalError,
  requireLine,
  todayOf,
  unwrap,
  userIdOf,
} from './common';
import { priceFor, type QuoteBody, quoteWire, verifyQuoteId } from './credit';
import { healthFromBook } from './health';
import { runBorrowerHooks } from './hooks';
import { disclosureBlock } from './institution';
import {
  type InstallmentRow,
  type LoanRow,
  loanView,
  persistAccrual,
  persistStatuses,
  toDomainLoan,
} from './loan-state';
import { loadSnapshot, settleSnapshotRestorations } from './snapshot';

type Ctx<B = unknown, Q = unknown> = RouteContext<B, Q>;

export type LoanBody = Partial<QuoteBody> & { quote_id?: string };

// ---------------------------------------------------------------------------------------
// borrow

export async function createLoanHandler(ctx: Ctx<LoanBody>): Promise<RouteResult> {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  const params = resolveParams(ctx, userId);
  const hints = riskHints(ctx);
  return ctx.transaction(async (tx) => {
    // One read, the user and line row-locked (lock order everywhere: user → line → loan).
    const snap = await loadSnapshot(tx, userId, { lock: true, riskAt: ctx.now });
    const user = snap.user;
    if (user.status !== 'active')
      throw new ApiError('business_rule', 'account_frozen', 'This account is frozen; contact support.');
    const settled = await settleSnapshotRestorations(
      tx,
      snap.line as LineRow,
      snap.pendingRestorations,
      today,
      ctx.now,
    );
    const lineRow = settled.line;

    // Cooling-off loans start (and accrue interest) when the money arrives, 24 h later.
    const principalFen = BigInt(params.body.principal_amount);
    const incomeFen = user.declaredMonthlyIncomeFen ?? 0n;
    const price = (startDate: string) =>
      priceFor(user, params.body, startDate, snap.consumerOpenPrincipalFen);
    const firstPass: Quote = price(today);
    const health = healthFromBook(user, snap.book, firstPass.schedule.installments[0]?.amountFen ?? 0n);
    const assessment = unwrap(
      assessBorrowing({
        educationPassed: user.educationPassedAt !== null,
        healthScore: health.score,
        principalFen,
        monthlyIncomeFen: incomeFen,
      }),
    );
    const coolingOff = assessment.coolingOff.required;
    const startDate = coolingOff ? shanghaiDate(new Date(ctx.now.getTime() + COOLING_OFF_MS)) : today;
    const q = startDate === today ? firstPass : price(startDate);
    const wire = quoteWire(q);
    if (params.quotedApr !== undefined && params.quotedApr !== wire.apr) {
      throw new ApiError(
        'business_rule',
        'quote_expired',
        'The price changed since this quote; ask for a new one.',
        'quote_id',
      );
    }

    // The limit, checked by the domain on the locked line, then enforced by the database.
    const room = drawLine(domainLineFrom(lineRow, settled.pending), principalFen, today);
    if (!room.ok) throw refusalError(room);

    const decision = await riskGate().evaluate(
      {
        action: 'borrow',
        userId,
        amountFen: principalFen,
        now: ctx.now,
        requestId: ctx.requestId,
        ...hints,
        ...paymentPasswordOf(ctx.body),
      },
      { tx, database: ctx.database, config: ctx.config, riskRead: snap.riskRead },
    );
    assertRiskAllows(decision);

    const product = PRODUCTS[q.product];
    const target = {
      kind: product.payee,
      account: product.payee === 'borrower' ? 'virtual_bank_card' : product.payee,
      ...(snap.virtualCard ? { card_last4: snap.virtualCard.slice(-4) } : {}),
    };
    // One statement: draw (conditional on the room), loan, schedule, booking and — unless in
    // cooling-off — the payout.
    const booked = await borrowLoan(tx, {
      loanId: newId('loan'),
      now: ctx.now,
      event: false,
      ...(ctx.idempotencyRef ? { idempotencyRef: ctx.idempotencyRef } : {}),
      loan: {
        userId,
        creditLineId: lineRow.id,
        product: q.product,
        method: q.schedule.method,
        principalFen,
        termMonths: 'months' in q.schedule.term ? q.schedule.term.months : null,
        termDays: 'days' in q.schedule.term ? q.schedule.term.days : null,
        annualRate: wire.nominal_annual_rate,
        dailyRate: wire.daily_rate,
        monthlyRate: wire.monthly_rate,
        apr: wire.apr,
        feeRate: wire.fee_rate,
        status: coolingOff ? 'cooling_off' : 'active',
        coolingOffUntil: coolingOff ? new Date(ctx.now.getTime() + COOLING_OFF_MS) : null,
        disbursementTarget: target,
        quoteId: params.quoteId ?? null,
        startDate,
        accruedThrough: startDate,
      },
      schedule: q.schedule.installments.map((i) => ({
        number: i.number,
        dueDate: i.dueDate,
        principalFen: i.principalFen,
        interestFen: i.interestFen,
        feeFen: i.feeFen,
      })),
    });
    if (!booked.ok)
      throw new ApiError(
        'business_rule',
        booked.code,
        'The credit line does not allow this amount now.',
        'principal_amount',
      );
    const loanId = booked.value.loanId;
    if (health.score !== user.healthScore)
      await deferWrite(
        tx,
        tx
          .update(schema.users)
          .set({ healthScore: health.score, updatedAt: ctx.now })
          .where(eq(schema.users.id, userId)),
      );
    const created = booked.value.rows;
    const body = {
      ...loanView(created.loan, created.installments, today),
      cooling_off: coolingOff
        ? {
            reason: assessment.coolingOff.required ? assessment.coolingOff.reason : null,
            hours: 24,
            cancel_free_until: created.loan.coolingOffUntil?.toISOString(),
          }
        : null,
      health_score: health.score,
      disclosure: disclosureBlock(),
    };
    await runBorrowerHooks('loan_created', {
      tx,
      database: ctx.database,
      config: ctx.config,
      now: ctx.now,
      userId,
      loanId,
      loan: body,
      requestId: ctx.requestId,
      rows: { ...created, virtualId: snap.virtualId },
    });
    return { status: 201, body, effect: { type: 'loan', id: loanId } };
  });
}

function resolveParams(
  ctx: Ctx<LoanBody>,
  userId: string,
): { body: QuoteBody; quoteId?: string; quotedApr?: string } {
  const b = ctx.body;
  if (b.quote_id !== undefined) {
    const extra = (
      [
        'product',
        'principal_amount',
        'term_months',
        'term_days',
        'method',
        'with_service_fee',
        'scene',
      ] as const
    ).find((k) => b[k] !== undefined);
    if (extra)
      throw new ApiError(
        'invalid_request',
        'conflicting_fields',
        'Send either quote_id or the loan parameters, not both.',
        extra,
      );
    const claims = verifyQuoteId(ctx.config, b.quote_id, userId, ctx.now);
    return { body: claims.b, quoteId: b.quote_id.slice(0, 200), quotedApr: claims.apr };
  }
  for (const k of ['product', 'principal_amount', 'method'] as const) {
    if (b[k] === undefined)
      throw new ApiError(
        'invalid_request',
        'missing_field',
        `Missing required body field '${k}' (or send quote_id).`,
        k,
      );
  }
  return { body: b as QuoteBody };
}

// ---------------------------------------------------------------------------------------
// cooling-off

/**
 * Pays out a cooling-off loan whose window has ended — through the risk gate (`disburse`):
 * allowed → paid; otherwise withheld (canceled at no cost, line released, reason kept; see
 * batch/cooling-off.ts). The caller holds the loan's row lock. Returns the (possibly)
 * updated loan.
 */
export async function activateIfDue(tx: Tx, loan: LoanRow, now: Date, deps: PayoutDeps): Promise<LoanRow> {
  if (!isPayoutDue(loan, now)) return loan;
  const outcome = await payOutThroughGate(tx, loan, now, deps);
  return outcome.kind === 'paid' || outcome.kind === 'withheld' ? outcome.loan : loan;
}

/** What a request gives the cooling-off payout it may trigger (the risk gate's deps). */
export function payoutDepsOf(ctx: Pick<Ctx, 'database' | 'config' | 'requestId'>): PayoutDeps {
  return { database: ctx.database, config: ctx.config, requestId: ctx.requestId };
}

/**
 * Loads a loan of this user with its row lock and brings it up to date (activation through
 * the risk gate, accrual, statuses).
 */
export async function loadOwnLoan(
  tx: Tx,
  userId: string,
  loanId: string,
  now: Date,
  deps: PayoutDeps,
): Promise<{ loan: LoanRow; rows: InstallmentRow[] }> {
  const locked = await lockLoan(tx, loanId);
  // Another user's loan is indistinguishable from a missing one.
  if (!locked || locked.loan.userId !== userId)
    throw new ApiError('not_found', 'loan_not_found', 'No such loan.', 'id');
  const activated = await activateIfDue(tx, locked.loan, now, deps);
  const today = shanghaiDate(now);
  const accrued = await persistAccrual(tx, activated, locked.installments, today);
  const settled = await persistStatuses(tx, accrued.loan, accrued.rows, today);
  const unchanged =
    activated === locked.loan && accrued.rows === locked.installments && settled === accrued.loan;
  if (unchanged) return { loan: locked.loan, rows: locked.installments };
  const fresh = await lockLoan(tx, loanId);
  if (!fresh) throw new Error('loan vanished');
  return { loan: fresh.loan, rows: fresh.installments };
}

export async function cancelLoanHandler(ctx: Ctx): Promise<RouteResult> {
  const userId = userIdOf(ctx);
  return ctx.transaction(async (tx) => {
    await loadUser(tx, userId, { lock: true });
    await requireLine(tx, userId, { lock: true });
    const { loan } = await loadOwnLoan(tx, userId, ctx.params.id as string, ctx.now, payoutDepsOf(ctx));
    if (loan.status !== 'cooling_off') {
      throw new ApiError(
        'business_rule',
        'loan_not_cancelable',
        'Only a loan inside its 24-hour cooling-off period can be canceled.',
      );
    }
    const canceled = await cancelLoan(tx, {
      loanId: loan.id,
      now: ctx.now,
      ...(ctx.idempotencyRef ? { idempotencyRef: ctx.idempotencyRef } : {}),
    });
    if (!canceled.ok)
      throw new ApiError('business_rule', 'loan_not_cancelable', 'This loan can no longer be canceled.');
    const fresh = await lockLoan(tx, loan.id);
    if (!fresh) throw new Error('loan vanished');
    return {
      status: 200,
      body: loanView(fresh.loan, fresh.installments, todayOf(ctx)),
      effect: { type: 'loan_cancel', id: loan.id },
    };
  });
}

// ---------------------------------------------------------------------------------------
// bills

export async function listLoans(
  ctx: Ctx<unknown, { limit: number; starting_after?: string; status?: string }>,
) {
  const userId = userIdOf(ctx);
  const { limit, starting_after: after, status } = ctx.query;
  const db = ctx.database.db;
  const t = schema.loans;
  const conds = [eq(t.userId, userId)];
  if (status) conds.push(eq(t.status, status as LoanRow['status']));
  if (after) {
    const [anchor] = await db
      .select({ createdAt: t.createdAt, id: t.id })
      .from(t)
      .where(and(eq(t.id, after), eq(t.userId, userId)));
    if (!anchor)
      throw new ApiError(
        'invalid_request',
        'invalid_cursor',
        'starting_after does not name one of your loans.',
        'starting_after',
      );
    const c = or(
      lt(t.createdAt, anchor.createdAt),
      and(eq(t.createdAt, anchor.createdAt), lt(t.id, anchor.id)),
    );
    if (c) conds.push(c);
  }
  const loans = await db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(limit + 1);
  const page = toPage(loans, limit);
  const rows = page.data.length
    ? await db
        .select()
        .from(schema.installments)
        .where(
          inArray(
            schema.installments.loanId,
            page.data.map((l) => l.id),
          ),
        )
        .orderBy(asc(schema.installments.number))
    : [];
  const today = todayOf(ctx);
  return {
    data: page.data.map((l) =>
      loanView(
        l,
        rows.filter((r) => r.loanId === l.id),
        today,
      ),
    ),
    has_more: page.has_more,
  };
}

export async function getLoan(ctx: Ctx) {
  const userId = userIdOf(ctx);
  return ctx.transaction(async (tx) => {
    const { loan, rows } = await loadOwnLoan(tx, userId, ctx.params.id as string, ctx.now, payoutDepsOf(ctx));
    return loanView(loan, rows, todayOf(ctx));
  });
}

export async function getPayoff(ctx: Ctx) {
  const userId = userIdOf(ctx);
  return ctx.transaction(async (tx) => {
    const { loan, rows } = await loadOwnLoan(tx, userId, ctx.params.id as string, ctx.now, payoutDepsOf(ctx));
    if (loan.status !== 'active' && loan.status !== 'overdue') {
      throw new ApiError(
        'business_rule',
        loan.status === 'cooling_off' ? 'cooling_off_active' : 'loan_not_active',
        `The loan is ${loan.status}.`,
      );
    }
    const today = todayOf(ctx);
    const p = payoffQuote(toDomainLoan(loan, rows), today);
    return {
      loan_id: loan.id,
      amount: fenToJson(p.amountFen),
      principal_amount: fenToJson(p.principalFen),
      interest_amount: fenToJson(p.interestFen),
      penalty_amount: fenToJson(p.penaltyFen),
      fee_amount: fenToJson(p.feeFen),
      rebate_amount: fenToJson(p.rebateFen),
      early_repayment_fee_amount: 0,
      currency: 'CNY',
      as_of: p.asOf,
      valid_until: shanghaiMidnight(addDays(today, 1)).toISOString(),
    };
  });
}

// ---------------------------------------------------------------------------------------
// grace

export async function requestGraceHandler(ctx: Ctx<{ days?: number }>): Promise<RouteResult> {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  return ctx.transaction(async (tx) => {
    await loadUser(tx, userId, { lock: true });
    const { loan, rows } = await loadOwnLoan(tx, userId, ctx.params.id as string, ctx.now, payoutDepsOf(ctx));
    if (loan.status !== 'active' && loan.status !== 'overdue') {
      throw new ApiError('business_rule', 'grace_not_applicable', `The loan is ${loan.status}.`);
    }
    const domain = toDomainLoan(loan, rows);
    const next = unwrap(
      requestGrace(domain, { asOf: today, ...(ctx.body.days !== undefined ? { days: ctx.body.days } : {}) }),
    );
    const changed = next.installments.find((i, k) => i.graceUntil !== domain.installments[k]?.graceUntil);
    if (!changed?.graceUntil) throw new Error('grace: no installment changed');
    const year = yearOf(changed.dueDate);
    // The limit is per person and calendar year, across all their loans.
    const [used] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.graceUsages)
      .where(and(eq(schema.graceUsages.userId, userId), eq(schema.graceUsages.year, year)));
    if (Number(used?.n ?? 0) >= GRACE_PER_YEAR_MAX) {
      throw new ApiError(
        'business_rule',
        'grace_limit_reached',
        'Grace periods are limited to 2 per calendar year.',
      );
    }
    const row = rows.find((r) => r.number === changed.number);
    if (!row) throw new Error('grace: row missing');
    const days = ctx.body.days ?? 3;
    await tx
      .update(schema.installments)
      .set({ graceUntil: changed.graceUntil })
      .where(eq(schema.installments.id, row.id));
    const id = newId('grc');
    await tx.insert(schema.graceUsages).values({
      id,
      userId,
      loanId: loan.id,
      installmentId: row.id,
      year,
      days,
      graceUntil: changed.graceUntil,
      createdAt: ctx.now,
    });
    const fresh = await lockLoan(tx, loan.id);
    if (!fresh) throw new Error('loan vanished');
    return {
      status: 201,
      body: {
        id,
        installment_number: changed.number,
        due_date: changed.dueDate,
        grace_until: changed.graceUntil,
        days,
        used_this_year: Number(used?.n ?? 0) + 1,
        remaining_this_year: GRACE_PER_YEAR_MAX - Number(used?.n ?? 0) - 1,
        note: '宽限期内不计逾期、不收罚息,但正常利息照常计算 (no overdue record or penalty; ordinary interest continues)',
        loan: loanView(fresh.loan, fresh.installments, today),
      },
      effect: { type: 'grace', id },
    };
  });
}
