/**
 * Fenqi's store of record (drizzle-orm, PostgreSQL dialect; the same schema runs on PGlite,
 * Neon and a local PostgreSQL through the WebSocket proxy).
 *
 * Conventions
 * - ids are prefixed text (`usr_…`, `loan_…`, `chk_…`), generated in code (see `ids.ts`).
 * - money is integer fen in `bigint` columns whose name ends in `_fen`, read as JS `bigint`.
 * - rates are exact decimals (`numeric`, read as strings), per unit (`0.1825` = 18.25 %).
 * - business dates (`due_date`) are `YYYY-MM-DD` in Asia/Shanghai, stored as `date` strings.
 * - tables that record a money movement are append-only (postings, allocations, refunds,
 *   repayments); balances live in postings and in counters updated in the same transaction.
 *
 * After editing this file run `npm run db:generate` and commit `db/migrations/`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// ---------------------------------------------------------------------------------------
// column helpers
// ---------------------------------------------------------------------------------------

/** Integer fen, exact, read as `bigint`. Column names must end in `_fen`. */
const fen = (name: `${string}_fen`) => bigint(name, { mode: 'bigint' });
/** Integer fen defaulting to zero (drizzle-kit cannot serialise a `0n` default). */
const fenZero = (name: `${string}_fen`) => fen(name).notNull().default(sql`0`);
/** An exact decimal rate per unit, read as a string such as `"0.1825"`. */
const rate = (name: string) => numeric(name, { precision: 20, scale: 10 });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();
const businessDate = (name: string) => date(name, { mode: 'string' });

// ---------------------------------------------------------------------------------------
// enumerations (text columns; the values are also what the API shows)
// ---------------------------------------------------------------------------------------

export const userTiers = ['new', 'regular', 'premium'] as const;
export const productCodes = [
  'cash_loan',
  'business_turnover',
  'education_installment',
  'emergency_loan',
  'scene_installment',
] as const;
export const repaymentMethods = [
  'equal_installment',
  'equal_principal',
  'interest_first',
  'single_payment',
  'daily',
] as const;
export const loanStatuses = ['cooling_off', 'active', 'overdue', 'paid_off', 'canceled'] as const;
export const installmentStatuses = ['pending', 'due', 'overdue', 'paid', 'canceled'] as const;
export const checkoutStatuses = [
  'open',
  'authorized',
  'captured',
  'partially_refunded',
  'refunded',
  'expired',
  'canceled',
] as const;
export const captureMethods = ['automatic', 'manual'] as const;
export const apiModes = ['test', 'live'] as const;
export const holdStatuses = ['held', 'captured', 'released'] as const;
export const repaymentSources = ['user', 'autodebit', 'refund', 'cancel', 'credit_balance'] as const;
export const outboxStatuses = ['pending', 'delivered', 'failed', 'dead'] as const;
export const idempotencyStates = ['in_progress', 'completed'] as const;
export const normalBalances = ['debit', 'credit'] as const;

// ---------------------------------------------------------------------------------------
// people
// ---------------------------------------------------------------------------------------

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(), // usr_…
    /** HMAC-SHA256 of the WeChat openid (never the openid itself). */
    openidHash: text('openid_hash').notNull(),
    /** Display name for demo users (`dev:<name>`); not PII from WeChat. */
    nickname: text('nickname'),
    tier: text('tier', { enum: userTiers }).notNull().default('new'),
    creditScore: integer('credit_score'),
    declaredMonthlyIncomeFen: fen('declared_monthly_income_fen'),
    /** Health-score inputs (借款健康分): debts, lenders, repayment history. */
    monthlyDebtPaymentsFen: fenZero('monthly_debt_payments_fen'),
    otherLendersCount: integer('other_lenders_count').notNull().default(0),
    overdueHistoryCount: integer('overdue_history_count').notNull().default(0),
    onTimeRepaymentsCount: integer('on_time_repayments_count').notNull().default(0),
    healthScore: integer('health_score'),
    educationPassedAt: ts('education_passed_at'),
    /** Payment password (scrypt) and the 3-strikes switch to multi-factor verification. */
    paymentPasswordHash: text('payment_password_hash'),
    failedPasswordCount: integer('failed_password_count').notNull().default(0),
    mfaRequired: boolean('mfa_required').notNull().default(false),
    status: text('status', { enum: ['active', 'frozen', 'closed'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_openid_hash_uq').on(t.openidHash)],
);

/**
 * Identity vault (数字面具): the real identity is kept only here, AES-256-GCM encrypted
 * (`key_id` names the key, so keys can rotate); the rest of the system sees only the
 * virtual ID-card and bank-card numbers.
 */
export const identityVault = pgTable(
  'identity_vault',
  {
    id: text('id').primaryKey(), // vlt_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    keyId: text('key_id').notNull(),
    /** base64 of iv ‖ ciphertext ‖ tag of the JSON PII record (name, ID number, card, phone). */
    piiCiphertext: text('pii_ciphertext').notNull(),
    virtualIdNumber: text('virtual_id_number').notNull(),
    virtualBankCardNumber: text('virtual_bank_card_number').notNull(),
    createdAt: createdAt(),
    rotatedAt: ts('rotated_at'),
  },
  (t) => [
    uniqueIndex('identity_vault_user_uq').on(t.userId),
    uniqueIndex('identity_vault_virtual_id_uq').on(t.virtualIdNumber),
    uniqueIndex('identity_vault_virtual_card_uq').on(t.virtualBankCardNumber),
  ],
);

/** Four-level approval for access to vault data. */
export const vaultAccessRequests = pgTable(
  'vault_access_requests',
  {
    id: text('id').primaryKey(), // var_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    requestedBy: text('requested_by').notNull(),
    purpose: text('purpose').notNull(),
    fields: jsonb('fields').$type<string[]>().notNull(),
    levelsRequired: integer('levels_required').notNull().default(4),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'expired', 'used'] })
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
    decidedAt: ts('decided_at'),
    expiresAt: ts('expires_at'),
  },
  (t) => [index('vault_access_requests_user_idx').on(t.userId)],
);

export const vaultAccessApprovals = pgTable(
  'vault_access_approvals',
  {
    id: text('id').primaryKey(), // vap_…
    requestId: text('request_id')
      .notNull()
      .references(() => vaultAccessRequests.id),
    level: integer('level').notNull(),
    approver: text('approver').notNull(),
    decision: text('decision', { enum: ['approved', 'rejected'] }).notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('vault_access_approvals_level_uq').on(t.requestId, t.level),
    unique('vault_access_approvals_approver_uq').on(t.requestId, t.approver),
    check('vault_access_approvals_level_ck', sql`${t.level} between 1 and 4`),
  ],
);

/** Data authorisations (22 switchable keys plus the essential ones); one row per user × key. */
export const authorizations = pgTable(
  'authorizations',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    granted: boolean('granted').notNull(),
    essential: boolean('essential').notNull().default(false),
    grantedAt: ts('granted_at'),
    revokedAt: ts('revoked_at'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Consents given with a credit application (append-only evidence). */
export const consents = pgTable(
  'consents',
  {
    id: text('id').primaryKey(), // cns_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    granted: boolean('granted').notNull(),
    context: text('context').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('consents_user_idx').on(t.userId)],
);

export const educationAttempts = pgTable(
  'education_attempts',
  {
    id: text('id').primaryKey(), // edu_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    answers: jsonb('answers').$type<Array<{ question_id: string; option_id: string }>>().notNull(),
    score: integer('score').notNull(),
    passed: boolean('passed').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('education_attempts_user_idx').on(t.userId)],
);

/** Login / password attempts for rate limiting and the 3-strikes rule. */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: text('id').primaryKey(), // lga_…
    /** user id when known, otherwise a hash of the subject (openid hash, IP hash). */
    subject: text('subject').notNull(),
    kind: text('kind', { enum: ['session', 'password', 'step_up'] }).notNull(),
    success: boolean('success').notNull(),
    deviceId: text('device_id'),
    ipHash: text('ip_hash'),
    createdAt: createdAt(),
  },
  (t) => [
    index('login_attempts_subject_idx').on(t.subject, t.createdAt),
    // The per-IP login rate limit: ip_hash = ? and kind = 'session' and created_at > ?.
    index('login_attempts_ip_idx').on(t.ipHash, t.kind, t.createdAt),
  ],
);

export const riskEvents = pgTable(
  'risk_events',
  {
    id: text('id').primaryKey(), // rsk_…
    userId: text('user_id').references(() => users.id),
    kind: text('kind').notNull(), // many_devices, large_withdrawal, password_failures …
    severity: text('severity', { enum: ['low', 'medium', 'high'] }).notNull(),
    action: text('action', { enum: ['none', 'step_up', 'freeze', 'decline'] }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    decisionMs: integer('decision_ms'),
    resolvedAt: ts('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [index('risk_events_user_idx').on(t.userId, t.createdAt)],
);

/** Second-verification challenges raised by risk control (any two factors). */
export const stepUpChallenges = pgTable(
  'step_up_challenges',
  {
    id: text('id').primaryKey(), // stp_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    reason: text('reason').notNull(),
    factorsRequired: integer('factors_required').notNull().default(2),
    factorsPassed: jsonb('factors_passed').$type<string[]>().notNull().default([]),
    status: text('status', { enum: ['pending', 'passed', 'failed', 'expired'] })
      .notNull()
      .default('pending'),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
    completedAt: ts('completed_at'),
  },
  (t) => [index('step_up_challenges_user_idx').on(t.userId, t.createdAt)],
);

// ---------------------------------------------------------------------------------------
// credit lines
// ---------------------------------------------------------------------------------------

/**
 * A user's credit line. available = base + temporary (while unexpired) − used − held −
 * restoring. `used_fen` is the open principal of the user's loans, `held_fen` the sum of
 * `credit_holds` still held, `restoring_fen` repaid principal that becomes available on T+1.
 * Counters change only inside money-movement transactions, with a conditional update.
 */
export const creditLines = pgTable(
  'credit_lines',
  {
    id: text('id').primaryKey(), // cl_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    currency: text('currency').notNull().default('CNY'),
    baseLimitFen: fenZero('base_limit_fen'),
    temporaryLimitFen: fenZero('temporary_limit_fen'),
    temporaryExpiresAt: ts('temporary_expires_at'),
    temporaryRenewals: integer('temporary_renewals').notNull().default(0),
    usedFen: fenZero('used_fen'),
    heldFen: fenZero('held_fen'),
    restoringFen: fenZero('restoring_fen'),
    frozen: boolean('frozen').notNull().default(false),
    frozenReason: text('frozen_reason'),
    creditScore: integer('credit_score'),
    /** Indicator breakdown of the last evaluation (payment flow 42 %, social 18 % …). */
    evaluation: jsonb('evaluation').$type<Record<string, unknown>>(),
    evaluatedAt: ts('evaluated_at'),
    nextReviewOn: businessDate('next_review_on'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('credit_lines_user_uq').on(t.userId),
    check('credit_lines_base_ck', sql`${t.baseLimitFen} >= 0`),
    check('credit_lines_temporary_ck', sql`${t.temporaryLimitFen} >= 0`),
    check('credit_lines_used_ck', sql`${t.usedFen} >= 0`),
    check('credit_lines_held_ck', sql`${t.heldFen} >= 0`),
    check('credit_lines_restoring_ck', sql`${t.restoringFen} >= 0`),
  ],
);

export const temporaryIncreases = pgTable(
  'temporary_increases',
  {
    id: text('id').primaryKey(), // tmp_…
    creditLineId: text('credit_line_id')
      .notNull()
      .references(() => creditLines.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    amountFen: fen('amount_fen').notNull(),
    event: text('event'), // singles_day, spring_festival …
    proofType: text('proof_type', { enum: ['payslip', 'bank_flow', 'asset'] }).notNull(),
    proofReference: text('proof_reference').notNull(),
    status: text('status', { enum: ['approved', 'rejected', 'expired', 'renewed'] }).notNull(),
    decisionCode: text('decision_code'),
    startsAt: ts('starts_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    renewalOf: text('renewal_of'),
    createdAt: createdAt(),
  },
  (t) => [
    index('temporary_increases_line_idx').on(t.creditLineId),
    check('temporary_increases_amount_ck', sql`${t.amountFen} >= 0`),
  ],
);

/** Holds for authorised checkouts (TigerBeetle's pending transfer: post or void). */
export const creditHolds = pgTable(
  'credit_holds',
  {
    id: text('id').primaryKey(), // hld_…
    creditLineId: text('credit_line_id')
      .notNull()
      .references(() => creditLines.id),
    checkoutId: text('checkout_id').notNull(),
    amountFen: fen('amount_fen').notNull(),
    status: text('status', { enum: holdStatuses }).notNull().default('held'),
    createdAt: createdAt(),
    resolvedAt: ts('resolved_at'),
  },
  (t) => [
    uniqueIndex('credit_holds_checkout_uq').on(t.checkoutId),
    index('credit_holds_line_idx').on(t.creditLineId, t.status),
    check('credit_holds_amount_ck', sql`${t.amountFen} > 0`),
  ],
);

/** Repaid principal returns to the available line on T+1 (business date `available_on`). */
export const pendingLimitRestorations = pgTable(
  'pending_limit_restorations',
  {
    id: text('id').primaryKey(), // rst_…
    creditLineId: text('credit_line_id')
      .notNull()
      .references(() => creditLines.id),
    loanId: text('loan_id').notNull(),
    repaymentId: text('repayment_id'),
    amountFen: fen('amount_fen').notNull(),
    availableOn: businessDate('available_on').notNull(),
    restoredAt: ts('restored_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('pending_limit_restorations_due_idx').on(t.availableOn, t.restoredAt),
    index('pending_limit_restorations_line_idx').on(t.creditLineId),
    check('pending_limit_restorations_amount_ck', sql`${t.amountFen} > 0`),
  ],
);

// ---------------------------------------------------------------------------------------
// loans
// ---------------------------------------------------------------------------------------

/** A priced trial calculation (试算) that `POST /v1/loans { quote_id }` can accept. */
export const quotes = pgTable(
  'quotes',
  {
    id: text('id').primaryKey(), // qt_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    product: text('product', { enum: productCodes }).notNull(),
    method: text('method', { enum: repaymentMethods }).notNull(),
    principalFen: fen('principal_fen').notNull(),
    termMonths: integer('term_months'),
    termDays: integer('term_days'),
    annualRate: rate('annual_rate').notNull(),
    dailyRate: rate('daily_rate').notNull(),
    monthlyRate: rate('monthly_rate').notNull(),
    apr: rate('apr').notNull(),
    feeRate: rate('fee_rate').notNull().default('0'),
    /** The full response body as shown (schedule, totals). */
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('quotes_user_idx').on(t.userId)],
);

export const loans = pgTable(
  'loans',
  {
    id: text('id').primaryKey(), // loan_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    creditLineId: text('credit_line_id')
      .notNull()
      .references(() => creditLines.id),
    product: text('product', { enum: productCodes }).notNull(),
    method: text('method', { enum: repaymentMethods }).notNull(),
    currency: text('currency').notNull().default('CNY'),
    principalFen: fen('principal_fen').notNull(),
    termMonths: integer('term_months'),
    termDays: integer('term_days'),
    installmentsCount: integer('installments_count').notNull(),
    /** Nominal annual rate, daily and monthly rates and the all-in APR (IRR with fees). */
    annualRate: rate('annual_rate').notNull(),
    dailyRate: rate('daily_rate').notNull(),
    monthlyRate: rate('monthly_rate').notNull(),
    apr: rate('apr').notNull(),
    feeRate: rate('fee_rate').notNull().default('0'),
    penaltyDailyRate: rate('penalty_daily_rate').notNull().default('0.0005'),
    totalInterestFen: fenZero('total_interest_fen'),
    totalFeeFen: fenZero('total_fee_fen'),
    status: text('status', { enum: loanStatuses }).notNull(),
    coolingOffUntil: ts('cooling_off_until'),
    disbursedAt: ts('disbursed_at'),
    canceledAt: ts('canceled_at'),
    paidOffAt: ts('paid_off_at'),
    /** Overpayments kept for the borrower (never silently swallowed). */
    creditBalanceFen: fenZero('credit_balance_fen'),
    /** Where the money went: user card (virtual number), business account, course provider, merchant. */
    disbursementTarget: jsonb('disbursement_target').$type<Record<string, unknown>>(),
    checkoutId: text('checkout_id'),
    merchantId: text('merchant_id'),
    quoteId: text('quote_id'),
    startDate: businessDate('start_date').notNull(),
    /** Last business date interest was accrued to (daily / 随借随还 loans). */
    accruedThrough: businessDate('accrued_through'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('loans_user_idx').on(t.userId, t.createdAt),
    index('loans_line_idx').on(t.creditLineId),
    uniqueIndex('loans_checkout_uq').on(t.checkoutId),
    index('loans_status_idx').on(t.status),
    check('loans_principal_ck', sql`${t.principalFen} > 0`),
    check('loans_credit_balance_ck', sql`${t.creditBalanceFen} >= 0`),
    check(
      'loans_status_ck',
      sql`${t.status} in ('cooling_off', 'active', 'overdue', 'paid_off', 'canceled')`,
    ),
  ],
);

/**
 * One row per period. `principal_fen`/`interest_fen`/`fee_fen` are the schedule (interest may
 * grow by daily accrual); `paid_*_fen` are the sum of the repayment allocations; penalty
 * accrues daily on overdue unpaid principal.
 */
export const installments = pgTable(
  'installments',
  {
    id: text('id').primaryKey(), // ins_…
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    number: integer('number').notNull(),
    dueDate: businessDate('due_date').notNull(),
    principalFen: fen('principal_fen').notNull(),
    interestFen: fen('interest_fen').notNull(),
    feeFen: fenZero('fee_fen'),
    penaltyFen: fenZero('penalty_fen'),
    paidPrincipalFen: fenZero('paid_principal_fen'),
    paidInterestFen: fenZero('paid_interest_fen'),
    paidFeeFen: fenZero('paid_fee_fen'),
    paidPenaltyFen: fenZero('paid_penalty_fen'),
    /** Interest / fee waived (early payoff: interest only to the day of payoff; cancel). */
    waivedInterestFen: fenZero('waived_interest_fen'),
    waivedFeeFen: fenZero('waived_fee_fen'),
    /**
     * Interest / fee paid on this installment and later given back (rebate: Dr income, Cr bank)
     * because a prepayment turned it into principal or a payoff did not need it. The paid_*
     * columns keep the allocations (append-only); `interest_fen` / `fee_fen` include the rebated
     * part, so the borrower's net charge is interest − waived − rebated and net paid is
     * paid − rebated (what the domain sees).
     */
    rebatedInterestFen: fenZero('rebated_interest_fen'),
    rebatedFeeFen: fenZero('rebated_fee_fen'),
    /**
     * A prepayment or refund re-amortized this installment mid-period: interest earned up to
     * `interest_settled_on` on the old balance (part of `interest_fen`); the rest accrues from
     * that day (domain `accruedInterestFen`).
     */
    interestSettledFen: fenZero('interest_settled_fen'),
    interestSettledOn: businessDate('interest_settled_on'),
    graceUntil: businessDate('grace_until'),
    status: text('status', { enum: installmentStatuses }).notNull().default('pending'),
    remindersSent: integer('reminders_sent').notNull().default(0),
    paidAt: ts('paid_at'),
    penaltyAccruedThrough: businessDate('penalty_accrued_through'),
  },
  (t) => [
    unique('installments_loan_number_uq').on(t.loanId, t.number),
    index('installments_due_idx').on(t.dueDate, t.status),
    check('installments_principal_ck', sql`${t.principalFen} >= 0`),
    check('installments_interest_ck', sql`${t.interestFen} >= 0`),
    check('installments_paid_principal_ck', sql`${t.paidPrincipalFen} between 0 and ${t.principalFen}`),
    check(
      'installments_paid_interest_ck',
      sql`${t.paidInterestFen} >= 0 and ${t.paidInterestFen} + ${t.waivedInterestFen} <= ${t.interestFen}`,
    ),
    check(
      'installments_paid_fee_ck',
      sql`${t.paidFeeFen} >= 0 and ${t.paidFeeFen} + ${t.waivedFeeFen} <= ${t.feeFen}`,
    ),
    check('installments_paid_penalty_ck', sql`${t.paidPenaltyFen} between 0 and ${t.penaltyFen}`),
    check(
      'installments_rebated_interest_ck',
      sql`${t.rebatedInterestFen} between 0 and ${t.paidInterestFen}`,
    ),
    check('installments_rebated_fee_ck', sql`${t.rebatedFeeFen} between 0 and ${t.paidFeeFen}`),
    check('installments_interest_settled_ck', sql`${t.interestSettledFen} between 0 and ${t.interestFen}`),
  ],
);

/** A repayment (append-only). Refund-funded and cancellation repayments are repayments too. */
export const repayments = pgTable(
  'repayments',
  {
    id: text('id').primaryKey(), // rp_…
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    amountFen: fen('amount_fen').notNull(),
    /** Part of `amount_fen` kept as loan credit balance (overpayment). */
    toCreditBalanceFen: fenZero('to_credit_balance_fen'),
    source: text('source', { enum: repaymentSources }).notNull(),
    kind: text('kind', { enum: ['amount', 'payoff', 'installment'] }).notNull(),
    refundId: text('refund_id'),
    ledgerTransactionId: text('ledger_transaction_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('repayments_loan_idx').on(t.loanId, t.createdAt),
    check('repayments_amount_ck', sql`${t.amountFen} > 0`),
  ],
);

/**
 * A loan's credit balance paid back to the borrower's bank card (append-only). One payout
 * per loan and closing: the whole balance of a paid-off or canceled loan.
 */
export const creditPayouts = pgTable(
  'credit_payouts',
  {
    id: text('id').primaryKey(), // cpo_…
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    amountFen: fen('amount_fen').notNull(),
    ledgerTransactionId: text('ledger_transaction_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('credit_payouts_loan_idx').on(t.loanId, t.createdAt),
    check('credit_payouts_amount_ck', sql`${t.amountFen} > 0`),
  ],
);

/** How a repayment was applied, per installment and component (append-only). */
export const repaymentAllocations = pgTable(
  'repayment_allocations',
  {
    id: text('id').primaryKey(), // ral_…
    repaymentId: text('repayment_id')
      .notNull()
      .references(() => repayments.id),
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    installmentId: text('installment_id')
      .notNull()
      .references(() => installments.id),
    principalFen: fenZero('principal_fen'),
    interestFen: fenZero('interest_fen'),
    feeFen: fenZero('fee_fen'),
    penaltyFen: fenZero('penalty_fen'),
    createdAt: createdAt(),
  },
  (t) => [
    index('repayment_allocations_loan_idx').on(t.loanId),
    unique('repayment_allocations_uq').on(t.repaymentId, t.installmentId),
    check(
      'repayment_allocations_nonneg_ck',
      sql`${t.principalFen} >= 0 and ${t.interestFen} >= 0 and ${t.feeFen} >= 0 and ${t.penaltyFen} >= 0`,
    ),
  ],
);

/** Two grace periods a year, up to 3 days each. */
export const graceUsages = pgTable(
  'grace_usages',
  {
    id: text('id').primaryKey(), // grc_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    loanId: text('loan_id')
      .notNull()
      .references(() => loans.id),
    installmentId: text('installment_id')
      .notNull()
      .references(() => installments.id),
    year: integer('year').notNull(),
    days: integer('days').notNull(),
    graceUntil: businessDate('grace_until').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('grace_usages_installment_uq').on(t.installmentId),
    index('grace_usages_user_year_idx').on(t.userId, t.year),
    check('grace_usages_days_ck', sql`${t.days} between 1 and 3`),
  ],
);

/**
 * E-signed loan contracts with a tamper-evident hash chain (seq, prev_hash → chain_hash).
 * Signed in the borrower's transaction (document, document_hash, signature); chained after
 * commit by the sealer (functions/src/security/contracts.ts): seq, prev_hash and chain_hash
 * are NULL until then ("pending"), and the only UPDATE the database allows sets them once.
 */
export const contracts = pgTable(
  'contracts',
  {
    id: text('id').primaryKey(), // ctr_…
    /** NULL while pending (signed, not yet sealed into the chain). */
    seq: bigint('seq', { mode: 'number' }),
    loanId: text('loan_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    documentHash: text('document_hash').notNull(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    signature: text('signature'),
    prevHash: text('prev_hash'),
    chainHash: text('chain_hash'),
    signedAt: ts('signed_at').notNull(),
    /** When the sealer chained it (NULL while pending; NULL on rows chained at signing). */
    sealedAt: ts('sealed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('contracts_seq_uq').on(t.seq),
    uniqueIndex('contracts_loan_uq').on(t.loanId),
    uniqueIndex('contracts_prev_hash_uq').on(t.prevHash),
    // the sealer's queue: pending rows in sealing order
    index('contracts_pending_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.seq} is null`),
    // sealed as a whole or not at all
    check(
      'contracts_sealed_whole_ck',
      sql`(${t.seq} is null) = (${t.prevHash} is null) and (${t.seq} is null) = (${t.chainHash} is null)`,
    ),
  ],
);

export const collectionContacts = pgTable(
  'collection_contacts',
  {
    id: text('id').primaryKey(), // col_…
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    loanId: text('loan_id').references(() => loans.id),
    installmentId: text('installment_id').references(() => installments.id),
    channel: text('channel', { enum: ['sms', 'call', 'wechat', 'email', 'letter'] }).notNull(),
    kind: text('kind', { enum: ['reminder', 'collection', 'hardship_offer', 'legal'] }).notNull(),
    /** Business date in Asia/Shanghai, for the "3 per day per channel" rule. */
    contactDate: businessDate('contact_date').notNull(),
    scheduledAt: ts('scheduled_at').notNull(),
    sentAt: ts('sent_at'),
    outcome: text('outcome'),
    createdAt: createdAt(),
  },
  (t) => [
    index('collection_contacts_user_day_idx').on(t.userId, t.contactDate, t.channel),
    index('collection_contacts_installment_idx').on(t.installmentId),
  ],
);

// ---------------------------------------------------------------------------------------
// ledger (see db/LEDGER.md)
// ---------------------------------------------------------------------------------------

/**
 * One account per (code, owner, currency). Balances are derived from the postings
 * (`accountBalance` in ledger.ts); there is no cached balance to drift.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: text('id').primaryKey(), // acct_…
    code: text('code').notNull(),
    /** `system` for house accounts, otherwise the owning user / merchant / loan id. */
    ownerId: text('owner_id').notNull(),
    currency: text('currency').notNull().default('CNY'),
    normalBalance: text('normal_balance', { enum: normalBalances }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('ledger_accounts_code_owner_uq').on(t.code, t.ownerId, t.currency)],
);

export const ledgerTransactions = pgTable(
  'ledger_transactions',
  {
    id: text('id').primaryKey(), // ltx_…
    kind: text('kind').notNull(), // disbursement, repayment, hold, release, refund …
    /** Idempotent transfer id: the same external id never posts twice. */
    externalId: text('external_id').notNull(),
    /** `scope|key` of the idempotent request that produced it (one effect per key and kind). */
    idempotencyRef: text('idempotency_ref'),
    refType: text('ref_type'),
    refId: text('ref_id'),
    description: text('description'),
    effectiveAt: ts('effective_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ledger_transactions_external_uq').on(t.externalId),
    index('ledger_transactions_ref_idx').on(t.refType, t.refId),
    uniqueIndex('ledger_transactions_idempotency_uq').on(t.idempotencyRef, t.kind),
  ],
);

/**
 * Append-only. Signed amounts: debit positive, credit negative. The postings of one
 * transaction sum to zero per currency — enforced at commit by a deferred constraint trigger
 * (migration 0001), and UPDATE / DELETE are refused by triggers.
 */
export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: text('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    /**
     * No foreign key on purpose: every transaction posts to the same few house accounts, and
     * an FK check would take a KEY SHARE lock on those rows in every transaction (MultiXact
     * contention). The deferred trigger checks the account exists with the posting's
     * currency at commit, and accounts can be neither deleted nor changed (migration 0004).
     */
    accountId: text('account_id').notNull(),
    currency: text('currency').notNull().default('CNY'),
    amountFen: fen('amount_fen').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ledger_postings_transaction_idx').on(t.transactionId),
    index('ledger_postings_account_idx').on(t.accountId),
    check('ledger_postings_nonzero_ck', sql`${t.amountFen} <> 0`),
  ],
);

// ---------------------------------------------------------------------------------------
// merchants
// ---------------------------------------------------------------------------------------

export const merchants = pgTable('merchants', {
  id: text('id').primaryKey(), // mch_…
  name: text('name').notNull(),
  /** Scene category: education, medical, travel, dining … */
  scene: text('scene').notNull(),
  /** Subsidy for interest-free scenes (education), as a rate per unit. */
  subsidyRate: rate('subsidy_rate'),
  status: text('status', { enum: ['active', 'suspended'] })
    .notNull()
    .default('active'),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(), // key_…
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    mode: text('mode', { enum: apiModes }).notNull(),
    /** First characters shown in dashboards (`sk_test_ab12`). */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the full secret key. */
    keyHash: text('key_hash').notNull(),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash), index('api_keys_merchant_idx').on(t.merchantId)],
);

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(), // we_…
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    mode: text('mode', { enum: apiModes }).notNull(),
    url: text('url').notNull(),
    /** `whsec_…`, used as the HMAC key as-is. */
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /**
     * Set when the secret was rotated out: until then deliveries still carry a `v1=` signed
     * with it (overlap window), from then on it signs nothing. `null` = the current secret.
     */
    expiresAt: ts('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_endpoints_merchant_idx').on(t.merchantId)],
);

export const checkouts = pgTable(
  'checkouts',
  {
    id: text('id').primaryKey(), // chk_…
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    mode: text('mode', { enum: apiModes }).notNull(),
    outTradeNo: text('out_trade_no').notNull(),
    /** Opaque token in the shopper's URL. */
    token: text('token').notNull(),
    amountFen: fen('amount_fen').notNull(),
    currency: text('currency').notNull().default('CNY'),
    scene: text('scene').notNull(),
    description: text('description').notNull(),
    notifyUrl: text('notify_url').notNull(),
    returnPath: text('return_path'),
    captureMethod: text('capture_method', { enum: captureMethods }).notNull().default('automatic'),
    status: text('status', { enum: checkoutStatuses }).notNull().default('open'),
    /** Hash of the create request, to answer a repeated out_trade_no with a different body. */
    requestHash: text('request_hash').notNull(),
    userId: text('user_id').references(() => users.id),
    installments: integer('installments'),
    loanId: text('loan_id'),
    amountAuthorizedFen: fenZero('amount_authorized_fen'),
    amountCapturedFen: fenZero('amount_captured_fen'),
    amountRefundedFen: fenZero('amount_refunded_fen'),
    expiresAt: ts('expires_at').notNull(),
    authorizedAt: ts('authorized_at'),
    capturedAt: ts('captured_at'),
    canceledAt: ts('canceled_at'),
    expiredAt: ts('expired_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('checkouts_merchant_out_trade_no_uq').on(t.merchantId, t.outTradeNo),
    uniqueIndex('checkouts_token_uq').on(t.token),
    index('checkouts_status_expiry_idx').on(t.status, t.expiresAt),
    check('checkouts_amount_ck', sql`${t.amountFen} > 0`),
    check('checkouts_captured_ck', sql`${t.amountCapturedFen} between 0 and ${t.amountFen}`),
    check('checkouts_refunded_ck', sql`${t.amountRefundedFen} between 0 and ${t.amountCapturedFen}`),
  ],
);

export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(), // re_…
    checkoutId: text('checkout_id')
      .notNull()
      .references(() => checkouts.id),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    loanId: text('loan_id').references(() => loans.id),
    outRefundNo: text('out_refund_no').notNull(),
    amountFen: fen('amount_fen').notNull(),
    currency: text('currency').notNull().default('CNY'),
    status: text('status', { enum: ['succeeded', 'failed'] }).notNull(),
    requestHash: text('request_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('refunds_checkout_out_refund_no_uq').on(t.checkoutId, t.outRefundNo),
    index('refunds_merchant_idx').on(t.merchantId, t.createdAt),
    check('refunds_amount_ck', sql`${t.amountFen} > 0`),
  ],
);

// ---------------------------------------------------------------------------------------
// outbox, idempotency, audit, clock
// ---------------------------------------------------------------------------------------

/** Events written in the same transaction as their change, delivered after commit. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: text('id').primaryKey(), // evt_…
    type: text('type').notNull(),
    merchantId: text('merchant_id').references(() => merchants.id),
    userId: text('user_id'),
    mode: text('mode', { enum: apiModes }),
    /** The webhook body's `data.object`. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: outboxStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    deliveredAt: ts('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_events_due_idx').on(t.status, t.nextAttemptAt),
    index('outbox_events_merchant_idx').on(t.merchantId, t.createdAt),
  ],
);

export const webhookDeliveryAttempts = pgTable(
  'webhook_delivery_attempts',
  {
    id: text('id').primaryKey(), // wda_…
    eventId: text('event_id')
      .notNull()
      .references(() => outboxEvents.id),
    endpointId: text('endpoint_id').references(() => webhookEndpoints.id),
    attemptNo: integer('attempt_no').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    attemptedAt: ts('attempted_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_delivery_attempts_event_idx').on(t.eventId)],
);

/**
 * One row per (scope, key): the first request inserts it (`in_progress`) inside its own
 * transaction; the stored response is replayed for the same request hash. `effect_type` /
 * `effect_id` name what the request created (the checker ensures one effect per key).
 */
export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: idempotencyStates }).notNull().default('in_progress'),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    effectType: text('effect_type'),
    effectId: text('effect_id'),
    createdAt: createdAt(),
    completedAt: ts('completed_at'),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_records_pk', columns: [t.scope, t.key] }),
    index('idempotency_records_expiry_idx').on(t.expiresAt),
  ],
);

/** Hash-chained audit log: hash = SHA-256(prev_hash ‖ canonical row). Kept 180 days. */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    actorType: text('actor_type', { enum: ['user', 'merchant', 'staff', 'system'] }).notNull(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('audit_log_prev_hash_uq').on(t.prevHash),
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId),
    index('audit_log_created_idx').on(t.createdAt),
  ],
);

/** Service clock = wall clock + offset (single row, id = 1). */
export const serviceClock = pgTable(
  'service_clock',
  {
    id: integer('id').primaryKey(),
    offsetMs: bigint('offset_ms', { mode: 'number' }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [check('service_clock_single_row_ck', sql`${t.id} = 1`)],
);

/** Daily batch runs, one per Asia/Shanghai business date (makes the batch idempotent). */
export const batchRuns = pgTable('batch_runs', {
  businessDate: businessDate('business_date').primaryKey(),
  startedAt: ts('started_at').notNull().defaultNow(),
  completedAt: ts('completed_at'),
  summary: jsonb('summary').$type<Record<string, unknown>>(),
});

// ---------------------------------------------------------------------------------------
// row types
// ---------------------------------------------------------------------------------------

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type IdentityVaultRow = typeof identityVault.$inferSelect;
export type VaultAccessRequest = typeof vaultAccessRequests.$inferSelect;
export type VaultAccessApproval = typeof vaultAccessApprovals.$inferSelect;
export type Authorization = typeof authorizations.$inferSelect;
export type Consent = typeof consents.$inferSelect;
export type EducationAttempt = typeof educationAttempts.$inferSelect;
export type LoginAttempt = typeof loginAttempts.$inferSelect;
export type RiskEvent = typeof riskEvents.$inferSelect;
export type StepUpChallenge = typeof stepUpChallenges.$inferSelect;
export type CreditLine = typeof creditLines.$inferSelect;
export type NewCreditLine = typeof creditLines.$inferInsert;
export type TemporaryIncrease = typeof temporaryIncreases.$inferSelect;
export type CreditHold = typeof creditHolds.$inferSelect;
export type PendingLimitRestoration = typeof pendingLimitRestorations.$inferSelect;
export type Quote = typeof quotes.$inferSelect;
export type Loan = typeof loans.$inferSelect;
export type NewLoan = typeof loans.$inferInsert;
export type Installment = typeof installments.$inferSelect;
export type NewInstallment = typeof installments.$inferInsert;
export type Repayment = typeof repayments.$inferSelect;
export type RepaymentAllocation = typeof repaymentAllocations.$inferSelect;
export type CreditPayout = typeof creditPayouts.$inferSelect;
export type GraceUsage = typeof graceUsages.$inferSelect;
export type Contract = typeof contracts.$inferSelect;
export type CollectionContact = typeof collectionContacts.$inferSelect;
export type LedgerAccount = typeof ledgerAccounts.$inferSelect;
export type LedgerTransaction = typeof ledgerTransactions.$inferSelect;
export type LedgerPosting = typeof ledgerPostings.$inferSelect;
export type Merchant = typeof merchants.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type Checkout = typeof checkouts.$inferSelect;
export type NewCheckout = typeof checkouts.$inferInsert;
export type Refund = typeof refunds.$inferSelect;
export type OutboxEvent = typeof outboxEvents.$inferSelect;
export type WebhookDeliveryAttempt = typeof webhookDeliveryAttempts.$inferSelect;
export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;
export type AuditLogRow = typeof auditLog.$inferSelect;
export type ServiceClockRow = typeof serviceClock.$inferSelect;
export type BatchRun = typeof batchRuns.$inferSelect;
