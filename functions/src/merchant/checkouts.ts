/**
 * Checkout lifecycle: create → (shopper) confirm = authorise [+ capture] → capture / cancel /
 * expire → refunds. Every transition is one conditional update under the checkout's row lock
 * (lock order checkout → loan → credit line, as in `@fenqi/db`), and writes its outbox event
 * in the same transaction. Handlers stay thin: they parse, authenticate and call these.
 */
import {
  type BookedRows,
  borrowLoan,
  captureHold,
  createLoan,
  type DbOrTx,
  type DrawRefusal,
  disburseLoan,
  lockLoan,
  payOutCreditBalance,
  placeHold,
  type Result,
  refundCheckout as refundCheckoutPrimitive,
  releaseHold,
} from '@fenqi/db';
import { addDays, businessDateOf } from '@fenqi/shared';
import { and, eq, inArray, lte } from 'drizzle-orm';
import { type Database, schema, type Tx, withTransaction } from '../db';
import { ApiError, notFound, rule } from '../http/errors';
import { canonicalJson } from '../http/idempotency';
import { emitEvent, emitEvents } from './events';
import { randomBase62 } from './keys';
import { checkoutObject, type RefundObject, refundObject } from './objects';
import { type PlanPricing, planFor } from './plans';
import { refundAllocation } from './refund-allocation';
import { AUTHORIZATION_VALID_SECONDS, type CreateCheckoutBody } from './schemas';
import { loanSummaryFromPlan } from './shopper';

const { checkouts, merchants, refunds, users, creditLines } = schema;

type CheckoutRow = typeof checkouts.$inferSelect;
export type Mode = 'test' | 'live';

export interface MerchantScope {
  merchantId: string;
  mode: Mode;
}

/**
 * Called in the transaction right after a scene loan is booked — the borrower API's
 * `loan_created` hooks (contract e-signing and its evidence chain, audit), so scene loans get
 * the same paperwork as any loan.
 */
export type LoanBookedHook = (
  tx: Tx,
  args: {
    userId: string;
    loanId: string;
    loan: Record<string, unknown>;
    /** The rows as written, when the booking statement returned them (saves the hooks a read). */
    rows?: BookedRows & { virtualId: string | null };
  },
) => Promise<void>;

/** What a request wrote to the outbox, for the after-commit delivery trigger. */
export interface Emitted {
  eventIds: string[];
}

const checkoutNotFound = () => notFound('checkout', 'id');

export function newCheckoutToken(): string {
  return `ct_${randomBase62(32)}`;
}

function createRequestHash(mode: Mode, body: CreateCheckoutBody): string {
  return canonicalJson({ mode, ...body });
}

// ---------------------------------------------------------------------------------------
// create / read
// ---------------------------------------------------------------------------------------

/**
 * Creates the checkout, or returns the existing one for the same `out_trade_no` and the same
 * body (`created: false`); a different body is 409 `out_trade_no_conflict`. The unique
 * constraint decides races: the loser's insert does nothing and it reads the winner's row.
 */
export async function createCheckout(
  tx: DbOrTx,
  args: { scope: MerchantScope; body: CreateCheckoutBody; now: Date },
): Promise<{ row: CheckoutRow; created: boolean }> {
  const { scope, body, now } = args;
  const [merchant] = await tx.select().from(merchants).where(eq(merchants.id, scope.merchantId));
  if (!merchant) throw checkoutNotFound();
  if (body.scene !== merchant.scene) {
    throw rule(
      'scene_not_allowed',
      `This merchant's checkouts are in the '${merchant.scene}' scene.`,
      'scene',
    );
  }
  if (scope.mode === 'live' && !isPublicHttpsUrl(body.notify_url)) {
    throw new ApiError(
      'invalid_request',
      'invalid_value',
      'In live mode notify_url must be https on a public host.',
      'notify_url',
    );
  }
  const requestHash = createRequestHash(scope.mode, body);
  const inserted = await tx
    .insert(checkouts)
    .values({
      id: newCheckoutId(),
      merchantId: scope.merchantId,
      mode: scope.mode,
      outTradeNo: body.out_trade_no,
      token: newCheckoutToken(),
      amountFen: BigInt(body.amount),
      currency: body.currency,
      scene: body.scene,
      description: body.description,
      notifyUrl: body.notify_url,
      returnPath: body.return_path ?? null,
      captureMethod: body.capture_method,
      status: 'open',
      requestHash,
      expiresAt: new Date(now.getTime() + body.expires_in * 1000),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: [checkouts.merchantId, checkouts.outTradeNo] })
    .returning();
  if (inserted[0]) return { row: inserted[0], created: true };
  const [existing] = await tx
    .select()
    .from(checkouts)
    .where(and(eq(checkouts.merchantId, scope.merchantId), eq(checkouts.outTradeNo, body.out_trade_no)));
  if (!existing || existing.requestHash !== requestHash) {
    throw new ApiError(
      'idempotency',
      'out_trade_no_conflict',
      'A checkout with this out_trade_no exists with different parameters.',
      'out_trade_no',
    );
  }
  return { row: existing, created: false };
}

/**
 * Live webhooks go only to https URLs on public hosts: not localhost, not private, loopback or
 * link-local addresses (no requests into our own network from a merchant-chosen URL). Test mode
 * allows local receivers for development.
 */
export function isPublicHttpsUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  ) {
    return false;
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    const privateV4 =
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168);
    return !privateV4;
  }
  if (host.includes(':')) {
    return !(host === '::1' || host === '::' || /^(fc|fd|fe80|::ffff:)/.test(host));
  }
  return host.includes('.');
}

function newCheckoutId(): string {
  return `chk_${randomBase62(24)}`;
}

async function lockMerchantCheckout(tx: Tx, scope: MerchantScope, id: string): Promise<CheckoutRow> {
  const [row] = await tx
    .select()
    .from(checkouts)
    .where(
      and(eq(checkouts.id, id), eq(checkouts.merchantId, scope.merchantId), eq(checkouts.mode, scope.mode)),
    )
    .for('update');
  if (!row) throw checkoutNotFound();
  return row;
}

function isExpiredBy(row: CheckoutRow, now: Date): boolean {
  return (row.status === 'open' || row.status === 'authorized') && row.expiresAt.getTime() <= now.getTime();
}

/**
 * Expires a locked checkout whose time is up: status → expired, any hold released, and
 * `checkout.expired` in the outbox. No-op for a checkout that is not due.
 */
async function settleExpiry(tx: Tx, row: CheckoutRow, now: Date, emitted: Emitted): Promise<CheckoutRow> {
  if (!isExpiredBy(row, now)) return row;
  const [updated] = await tx
    .update(checkouts)
    .set({ status: 'expired', expiredAt: now, updatedAt: now })
    .where(and(eq(checkouts.id, row.id), inArray(checkouts.status, ['open', 'authorized'])))
    .returning();
  if (!updated) return row;
  if (row.status === 'authorized') {
    const released = await releaseHold(tx, { checkoutId: row.id, now });
    if (!released.ok) throw new Error(`expiry: authorised checkout ${row.id} has no hold`);
  }
  emitted.eventIds.push(await emitCheckoutEvent(tx, 'checkout.expired', updated, now));
  return updated;
}

function emitCheckoutEvent(
  tx: Tx,
  type: 'checkout.authorized' | 'checkout.captured' | 'checkout.canceled' | 'checkout.expired',
  row: CheckoutRow,
  now: Date,
): Promise<string> {
  return emitEvent(tx, {
    type,
    merchantId: row.merchantId,
    mode: row.mode,
    object: checkoutObject(row),
    now,
  });
}

/** A merchant's checkout as of `now` (expiring it first when its time is up). */
export async function readMerchantCheckout(
  database: Database,
  args: { scope: MerchantScope; id: string; now: Date },
): Promise<{ row: CheckoutRow; emitted: Emitted }> {
  const emitted: Emitted = { eventIds: [] };
  const [row] = await database.db
    .select()
    .from(checkouts)
    .where(
      and(
        eq(checkouts.id, args.id),
        eq(checkouts.merchantId, args.scope.merchantId),
        eq(checkouts.mode, args.scope.mode),
      ),
    );
  if (!row) throw checkoutNotFound();
  if (!isExpiredBy(row, args.now)) return { row, emitted };
  const settled = await withTransaction(database, async (tx) => {
    emitted.eventIds = [];
    const locked = await lockMerchantCheckout(tx, args.scope, args.id);
    return settleExpiry(tx, locked, args.now, emitted);
  });
  return { row: settled, emitted };
}

/** A checkout by its shopper token as of `now` (expiring it first when its time is up). */
export async function readCheckoutByToken(
  database: Database,
  args: { token: string; now: Date },
): Promise<{ row: CheckoutRow; emitted: Emitted }> {
  const emitted: Emitted = { eventIds: [] };
  const [row] = await database.db.select().from(checkouts).where(eq(checkouts.token, args.token));
  if (!row) throw notFound('checkout', 'token');
  if (!isExpiredBy(row, args.now)) return { row, emitted };
  const settled = await withTransaction(database, async (tx) => {
    emitted.eventIds = [];
    return settleExpiry(tx, await lockCheckoutByToken(tx, args.token), args.now, emitted);
  });
  return { row: settled, emitted };
}

// ---------------------------------------------------------------------------------------
// cancel / capture
// ---------------------------------------------------------------------------------------

/** Voids an open or authorised checkout and releases its hold; a canceled one is returned as is. */
export async function cancelCheckout(
  tx: Tx,
  args: { scope: MerchantScope; id: string; now: Date },
  emitted: Emitted,
): Promise<CheckoutRow> {
  const row = await lockMerchantCheckout(tx, args.scope, args.id);
  if (row.status === 'canceled') return row;
  if (isExpiredBy(row, args.now) || row.status === 'expired') {
    throw rule('checkout_not_cancelable', 'The checkout has expired; its hold is already released.');
  }
  if (row.status !== 'open' && row.status !== 'authorized') {
    throw rule('checkout_not_cancelable', `A ${row.status} checkout cannot be canceled; refund it instead.`);
  }
  const [updated] = await tx
    .update(checkouts)
    .set({ status: 'canceled', canceledAt: args.now, updatedAt: args.now })
    .where(eq(checkouts.id, row.id))
    .returning();
  if (row.status === 'authorized') {
    const released = await releaseHold(tx, { checkoutId: row.id, now: args.now });
    if (!released.ok) throw new Error(`cancel: authorised checkout ${row.id} has no hold`);
  }
  emitted.eventIds.push(await emitCheckoutEvent(tx, 'checkout.canceled', updated!, args.now));
  return updated!;
}

/** Manual capture of an authorised checkout, full (default) or partial. */
export async function captureCheckout(
  tx: Tx,
  args: { scope: MerchantScope; id: string; amountFen?: bigint; now: Date; onLoanBooked?: LoanBookedHook },
  emitted: Emitted,
): Promise<CheckoutRow> {
  const row = await lockMerchantCheckout(tx, args.scope, args.id);
  if (isExpiredBy(row, args.now)) throw rule('checkout_expired', 'The authorisation has expired.');
  if (row.status !== 'authorized') {
    throw rule(
      'checkout_not_capturable',
      `Only an authorized checkout can be captured (this one is ${row.status}).`,
    );
  }
  const amountFen = args.amountFen ?? row.amountAuthorizedFen;
  if (amountFen > row.amountAuthorizedFen) {
    throw rule(
      'capture_amount_exceeds_authorized',
      'The capture amount exceeds the authorised amount.',
      'amount',
    );
  }
  return bookCapture(tx, row, amountFen, args.now, emitted, args.onLoanBooked);
}

/** Prices a (partial) manual capture for the shopper as of now. */
async function priceCapture(
  tx: Tx,
  row: CheckoutRow,
  userId: string,
  installments: number,
  amountFen: bigint,
  now: Date,
): Promise<{ creditLineId: string; plan: PlanPricing }> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  const [line] = await tx.select().from(creditLines).where(eq(creditLines.userId, userId));
  if (!user || !line) throw new Error(`capture: shopper of ${row.id} has no credit line`);
  const plan = planFor({
    user,
    amountFen,
    installments,
    scene: row.scene,
    now,
    existingConsumerPrincipalFen: line.usedFen,
  });
  if (!plan.ok) throw rule(plan.code, plan.message, 'amount');
  return { creditLineId: line.id, plan: plan.value };
}

/**
 * Posts the hold (`amountFen` into used, the rest released), books the scene-installment loan
 * for `amountFen`, pays it out to the merchant's payable, and marks the checkout captured —
 * all in the caller's transaction (manual capture).
 */
async function bookCapture(
  tx: Tx,
  row: CheckoutRow,
  amountFen: bigint,
  now: Date,
  emitted: Emitted,
  onBooked?: LoanBookedHook,
): Promise<CheckoutRow> {
  if (!row.userId || !row.installments) throw new Error(`capture: checkout ${row.id} has no shopper or plan`);
  const { creditLineId, plan } = await priceCapture(tx, row, row.userId, row.installments, amountFen, now);
  const captured = await captureHold(tx, { checkoutId: row.id, captureFen: amountFen, now });
  if (!captured.ok) throw new Error(`capture: checkout ${row.id} has no hold`);
  const loanId = await bookLoan(tx, {
    row,
    userId: row.userId,
    installments: row.installments,
    amountFen,
    creditLineId,
    plan,
    now,
    ...(onBooked ? { onBooked } : {}),
  });
  const [updated] = await tx
    .update(checkouts)
    .set({ status: 'captured', amountCapturedFen: amountFen, loanId, capturedAt: now, updatedAt: now })
    .where(eq(checkouts.id, row.id))
    .returning();
  emitted.eventIds.push(await emitCheckoutEvent(tx, 'checkout.captured', updated!, now));
  return updated!;
}

interface LoanArgs {
  /** Known when the eligibility read it (the booking can then hand the hooks the rows). */
  virtualId?: string | null;
  row: CheckoutRow;
  userId: string;
  installments: number;
  amountFen: bigint;
  creditLineId: string;
  plan: PlanPricing;
  now: Date;
  onBooked?: LoanBookedHook;
}

/** The scene loan of a checkout (paid out to the merchant's payable). */
function sceneLoan(args: LoanArgs) {
  const { row, plan } = args;
  return {
    loan: {
      userId: args.userId,
      creditLineId: args.creditLineId,
      product: 'scene_installment' as const,
      method: 'equal_installment' as const,
      currency: row.currency,
      principalFen: args.amountFen,
      termMonths: args.installments,
      annualRate: plan.annualRate,
      dailyRate: plan.dailyRate,
      monthlyRate: plan.monthlyRate,
      apr: plan.apr,
      feeRate: plan.feeRate,
      status: 'active' as const,
      checkoutId: row.id,
      merchantId: row.merchantId,
      disbursementTarget: { kind: 'merchant', merchant_id: row.merchantId, checkout_id: row.id },
      startDate: plan.startDate,
    },
    schedule: plan.schedule,
    payee: { kind: 'merchant' as const, merchantId: row.merchantId },
    now: args.now,
  };
}

async function afterBooked(tx: Tx, args: LoanArgs, loanId: string, rows?: BookedRows): Promise<void> {
  await args.onBooked?.(tx, {
    userId: args.userId,
    loanId,
    ...(rows && args.virtualId !== undefined ? { rows: { ...rows, virtualId: args.virtualId } } : {}),
    loan: {
      ...loanSummaryFromPlan(loanId, args.plan),
      checkout_id: args.row.id,
      merchant_id: args.row.merchantId,
    },
  });
}

/**
 * Books the loan for a captured amount (the hold already captured) and pays the principal out
 * to the merchant's payable: Dr loan receivable / Cr clearing, then Dr clearing / Cr
 * merchant payable.
 */
async function bookLoan(tx: Tx, args: LoanArgs): Promise<string> {
  const { payee, ...input } = sceneLoan(args);
  const { loanId } = await createLoan(tx, input);
  const disbursed = await disburseLoan(tx, { loanId, payee, now: args.now });
  if (!disbursed.ok) throw new Error(`capture: loan ${loanId} could not be paid out`);
  await afterBooked(tx, args, loanId);
  return loanId;
}

/**
 * Draws the line and books and pays out the loan in ONE statement (automatic capture): a
 * refused draw writes nothing and returns the refusal.
 */
async function drawAndBookLoan(tx: Tx, args: LoanArgs): Promise<Result<string, DrawRefusal>> {
  const booked = await borrowLoan(tx, { ...sceneLoan(args), event: false });
  if (!booked.ok) return booked;
  await afterBooked(tx, args, booked.value.loanId, booked.value.rows);
  return { ok: true, value: booked.value.loanId };
}

// ---------------------------------------------------------------------------------------
// shopper confirm
// ---------------------------------------------------------------------------------------

export async function lockCheckoutByToken(tx: Tx, token: string): Promise<CheckoutRow> {
  const [row] = await tx.select().from(checkouts).where(eq(checkouts.token, token)).for('update');
  if (!row) throw notFound('checkout', 'token');
  return row;
}

export interface ConfirmArgs {
  token: string;
  userId: string;
  installments: number;
  now: Date;
  productionMode: boolean;
  onLoanBooked?: LoanBookedHook;
  /**
   * Borrowing rules (limit is the hold itself): health score, education, risk. Throws
   * ApiError; returns the shopper's user row and credit line.
   */
  checkEligibility(
    tx: Tx,
    args: {
      userId: string;
      amountFen: bigint;
      monthlyPaymentOf(user: typeof users.$inferSelect, line: typeof creditLines.$inferSelect): bigint;
    },
  ): Promise<{
    user: typeof users.$inferSelect;
    line: typeof creditLines.$inferSelect;
    /** The shopper's digital-mask id number, for the contract. */
    virtualId?: string | null;
  }>;
}

/**
 * The shopper confirms a plan: the same rules as borrowing, a hold on their line, and — for
 * automatic capture — the loan and the merchant payable, in the caller's transaction. A
 * repeated confirm by the same shopper with the same plan returns the current state (so 20
 * concurrent confirms make one loan); anyone else gets 422.
 */
export async function confirmCheckout(
  tx: Tx,
  args: ConfirmArgs,
  emitted: Emitted,
): Promise<{ row: CheckoutRow; created: boolean; plan?: PlanPricing }> {
  const row = await lockCheckoutByToken(tx, args.token);
  if (row.status !== 'open') {
    const confirmedBySameShopper =
      row.userId === args.userId &&
      row.installments === args.installments &&
      ['authorized', 'captured', 'partially_refunded', 'refunded'].includes(row.status);
    if (confirmedBySameShopper) return { row, created: false };
    if (row.status === 'expired') throw rule('checkout_expired', 'This checkout has expired.');
    if (row.status === 'canceled') throw rule('checkout_canceled', 'The merchant canceled this checkout.');
    throw rule('checkout_already_confirmed', 'This checkout has already been confirmed.');
  }
  if (isExpiredBy(row, args.now)) throw rule('checkout_expired', 'This checkout has expired.');
  if (args.productionMode && row.mode === 'test') {
    throw rule('test_mode_checkout', 'A test-mode checkout cannot be paid in production.');
  }
  let priced: PlanPricing | undefined;
  const { line, virtualId } = await args.checkEligibility(tx, {
    userId: args.userId,
    amountFen: row.amountFen,
    monthlyPaymentOf: (user, shopperLine) => {
      const plan = planFor({
        user,
        amountFen: row.amountFen,
        installments: args.installments,
        scene: row.scene,
        now: args.now,
        existingConsumerPrincipalFen: shopperLine.usedFen,
      });
      if (!plan.ok) {
        throw rule(plan.code, plan.message, plan.code === 'term_out_of_range' ? 'installments' : undefined);
      }
      priced = plan.value;
      const first = plan.value.schedule[0];
      return first ? first.principalFen + first.interestFen + first.feeFen : 0n;
    },
  });
  const plan = priced;
  if (!plan) throw new Error('confirm: the plan was not priced');
  const refuseLine = (code: string): never => {
    if (code === 'credit_line_frozen') throw rule('credit_line_frozen', 'Your credit line is frozen.');
    throw rule('credit_limit_exceeded', 'The order amount exceeds your available credit.');
  };
  if (row.captureMethod === 'manual') {
    const held = await placeHold(tx, {
      creditLineId: line.id,
      userId: args.userId,
      checkoutId: row.id,
      amountFen: row.amountFen,
      now: args.now,
    });
    if (!held.ok) refuseLine(held.code);
    const [authorized] = await tx
      .update(checkouts)
      .set({
        status: 'authorized',
        userId: args.userId,
        installments: args.installments,
        amountAuthorizedFen: row.amountFen,
        authorizedAt: args.now,
        expiresAt: new Date(args.now.getTime() + AUTHORIZATION_VALID_SECONDS * 1000),
        updatedAt: args.now,
      })
      .where(eq(checkouts.id, row.id))
      .returning();
    emitted.eventIds.push(await emitCheckoutEvent(tx, 'checkout.authorized', authorized!, args.now));
    return { row: authorized!, created: true };
  }
  // Automatic capture: authorising and capturing in one transaction is a hold posted at once,
  // so the line is drawn directly (one conditional update) — nobody could see the hold.
  const booked = await drawAndBookLoan(tx, {
    row,
    userId: args.userId,
    installments: args.installments,
    amountFen: row.amountFen,
    creditLineId: line.id,
    plan,
    now: args.now,
    ...(virtualId !== undefined ? { virtualId } : {}),
    ...(args.onLoanBooked ? { onBooked: args.onLoanBooked } : {}),
  });
  if (!booked.ok) return refuseLine(booked.code);
  const loanId = booked.value;
  const [captured] = await tx
    .update(checkouts)
    .set({
      status: 'captured',
      userId: args.userId,
      installments: args.installments,
      amountAuthorizedFen: row.amountFen,
      amountCapturedFen: row.amountFen,
      loanId,
      authorizedAt: args.now,
      capturedAt: args.now,
      updatedAt: args.now,
    })
    .where(eq(checkouts.id, row.id))
    .returning();
  const done = captured!;
  const asAuthorized: CheckoutRow = {
    ...done,
    status: 'authorized',
    amountCapturedFen: 0n,
    loanId: null,
    capturedAt: null,
  };
  const base = { merchantId: done.merchantId, mode: done.mode, now: args.now };
  emitted.eventIds.push(
    ...(await emitEvents(tx, [
      { ...base, type: 'checkout.authorized', object: checkoutObject(asAuthorized) },
      { ...base, type: 'checkout.captured', object: checkoutObject(done) },
    ])),
  );
  return { row: done, created: true, plan };
}

// ---------------------------------------------------------------------------------------
// refunds
// ---------------------------------------------------------------------------------------

/**
 * Refunds part or all of what was captured. The same `out_refund_no` with the same amount
 * returns the first refund (`created: false`); with another amount, 409. The refund repays
 * the shopper's loan from the merchant's payable: principal first, re-amortising the rest
 * (see refund-allocation.ts); whatever exceeds the outstanding principal becomes the
 * shopper's credit balance.
 */
export async function refundCheckout(
  tx: Tx,
  args: { scope: MerchantScope; id: string; amountFen: bigint; outRefundNo: string; now: Date },
  emitted: Emitted,
): Promise<{ refund: RefundObject; created: boolean }> {
  const row = await lockMerchantCheckout(tx, args.scope, args.id);
  const requestHash = canonicalJson({ amount: args.amountFen.toString(), out_refund_no: args.outRefundNo });
  const [previous] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.checkoutId, row.id), eq(refunds.outRefundNo, args.outRefundNo)));
  if (previous) {
    if (previous.requestHash !== requestHash) {
      throw new ApiError(
        'idempotency',
        'out_refund_no_conflict',
        'A refund with this out_refund_no exists with a different amount.',
        'out_refund_no',
      );
    }
    return { refund: refundObject(previous), created: false };
  }
  if (row.status !== 'captured' && row.status !== 'partially_refunded') {
    throw rule('checkout_not_refundable', `A ${row.status} checkout cannot be refunded.`);
  }
  if (row.amountRefundedFen + args.amountFen > row.amountCapturedFen) {
    throw rule(
      'refund_amount_exceeds_captured',
      'The refund exceeds what is captured and not yet refunded.',
      'amount',
    );
  }
  if (!row.loanId) throw new Error(`refund: captured checkout ${row.id} has no loan`);
  const locked = await lockLoan(tx, row.loanId);
  if (!locked) throw new Error(`refund: loan ${row.loanId} is missing`);
  const plan = refundAllocation({
    installments: locked.installments,
    loanStatus: locked.loan.status,
    refundFen: args.amountFen,
  });
  const result = await refundCheckoutPrimitive(tx, {
    checkoutId: row.id,
    merchantId: row.merchantId,
    outRefundNo: args.outRefundNo,
    amountFen: args.amountFen,
    requestHash,
    allocations: plan.allocations,
    waivers: plan.waivers,
    toCreditBalanceFen: plan.toCreditBalanceFen,
    // refunded principal is available again on T+1, like repaid principal
    restoreOn: addDays(businessDateOf(args.now), 1),
    now: args.now,
  });
  if (!result.ok) throw rule(result.code, 'The refund could not be applied.');
  // What the closed loan no longer needs goes back to the shopper's card (simulator bug 2).
  if (plan.toCreditBalanceFen > 0n) await payOutCreditBalance(tx, { loanId: row.loanId, now: args.now });
  const refund = refundObject(result.value.refund);
  emitted.eventIds.push(
    await emitEvent(tx, {
      type: 'refund.succeeded',
      merchantId: row.merchantId,
      mode: row.mode,
      object: refund,
      now: args.now,
    }),
  );
  return { refund, created: true };
}

// ---------------------------------------------------------------------------------------
// daily batch
// ---------------------------------------------------------------------------------------

export const EXPIRY_BATCH_MAX = 5_000;

/** Expires every open / authorised checkout whose time is up by `asOf` (bounded per run). */
export async function expireDueCheckouts(
  tx: Tx,
  asOf: Date,
): Promise<{ expired: number; eventIds: string[] }> {
  const due = await tx
    .select()
    .from(checkouts)
    .where(and(inArray(checkouts.status, ['open', 'authorized']), lte(checkouts.expiresAt, asOf)))
    .orderBy(checkouts.expiresAt)
    .limit(EXPIRY_BATCH_MAX)
    .for('update', { skipLocked: true });
  const emitted: Emitted = { eventIds: [] };
  for (const row of due) await settleExpiry(tx, row, asOf, emitted);
  return { expired: emitted.eventIds.length, eventIds: emitted.eventIds };
}
