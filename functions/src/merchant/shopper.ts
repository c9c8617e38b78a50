/** The shopper's side of a checkout: the view with plans, and the confirm result. */
import { asc, eq } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import { notFound } from '../http/errors';
import { fenNumber } from './objects';
import { type PlanPricing, type PlanView, planViews } from './plans';

const { checkouts, merchants, creditLines, users, loans, installments } = schema;
type CheckoutRow = typeof checkouts.$inferSelect;

export interface ShopperCheckoutView {
  id: string;
  object: 'checkout';
  merchant: { name: string; scene: string };
  out_trade_no: string;
  amount: number;
  currency: string;
  description: string;
  status: CheckoutRow['status'];
  capture_method: CheckoutRow['captureMethod'];
  expires_at: string;
  installments: number | null;
  loan_id: string | null;
  return_path: string | null;
  /** What the Fenqi mini-program hands back to the partner (`navigateBackMiniProgram`). */
  return_extra_data: { checkout_id: string; out_trade_no: string; status: CheckoutRow['status'] };
  plans: PlanView[];
  plans_unavailable?: { code: string; message: string };
}

/** Plans are shown only while the checkout is open and only to a shopper with a line. */
export async function shopperView(
  db: Database['db'] | Tx,
  row: CheckoutRow,
  userId: string,
  now: Date,
): Promise<ShopperCheckoutView> {
  const merchantName = await merchantNameOf(db, row.merchantId);
  let plans: PlanView[] = [];
  let unavailable: { code: string; message: string } | undefined;
  const mine = row.userId === null || row.userId === userId;
  if (row.status === 'open') {
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    const [line] = await db.select().from(creditLines).where(eq(creditLines.userId, userId));
    if (!user || !line) {
      unavailable = {
        code: 'credit_line_required',
        message: 'Apply for a credit line to pay in installments.',
      };
    } else {
      const views = planViews({
        user,
        amountFen: row.amountFen,
        scene: row.scene,
        now,
        existingConsumerPrincipalFen: line.usedFen,
      });
      plans = views.plans;
      unavailable = views.unavailable;
    }
  }
  return {
    id: row.id,
    object: 'checkout',
    merchant: { name: merchantName, scene: row.scene },
    out_trade_no: row.outTradeNo,
    amount: fenNumber(row.amountFen),
    currency: row.currency,
    description: row.description,
    status: row.status,
    capture_method: row.captureMethod,
    expires_at: row.expiresAt.toISOString(),
    installments: mine ? row.installments : null,
    loan_id: mine ? row.loanId : null,
    return_path: row.returnPath,
    return_extra_data: { checkout_id: row.id, out_trade_no: row.outTradeNo, status: row.status },
    plans,
    ...(unavailable ? { plans_unavailable: unavailable } : {}),
  };
}

/** Merchant display names change rarely; a short in-process cache saves a round trip per view. */
const NAME_CACHE_MS = 60_000;
const NAME_CACHE_MAX = 1_000;
const nameCache = new Map<string, { name: string; atMs: number }>();

async function merchantNameOf(db: Database['db'] | Tx, merchantId: string): Promise<string> {
  const hit = nameCache.get(merchantId);
  if (hit && Date.now() - hit.atMs < NAME_CACHE_MS) return hit.name;
  const [merchant] = await db
    .select({ name: merchants.name })
    .from(merchants)
    .where(eq(merchants.id, merchantId));
  const name = merchant?.name ?? '';
  if (nameCache.size >= NAME_CACHE_MAX) nameCache.clear();
  nameCache.set(merchantId, { name, atMs: Date.now() });
  return name;
}

/** The loan just booked, from the priced plan (no second read). */
export function loanSummaryFromPlan(loanId: string, plan: PlanPricing): LoanSummary {
  const w = plan.wire;
  return {
    id: loanId,
    status: 'active',
    product: 'scene_installment',
    method: w.method,
    principal_amount: w.principal_amount,
    currency: w.currency,
    apr: w.apr,
    monthly_rate: w.monthly_rate,
    daily_rate: w.daily_rate,
    total_interest_amount: w.total_interest_amount,
    total_fee_amount: w.total_fee_amount,
    total_amount: w.total_amount,
    installments: w.installments.map((i) => ({
      number: i.number,
      due_date: i.due_date,
      principal_amount: i.principal_amount,
      interest_amount: i.interest_amount,
      fee_amount: i.fee_amount,
      amount: i.amount,
    })),
  };
}

export async function findCheckoutByToken(database: Database, token: string): Promise<CheckoutRow> {
  const [row] = await database.db.select().from(checkouts).where(eq(checkouts.token, token));
  if (!row) throw notFound('checkout', 'token');
  return row;
}

export interface LoanSummary {
  id: string;
  status: string;
  product: string;
  method: string;
  principal_amount: number;
  currency: string;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
  installments: {
    number: number;
    due_date: string;
    principal_amount: number;
    interest_amount: number;
    fee_amount: number;
    amount: number;
  }[];
}

export async function loanSummary(db: Database['db'] | Tx, loanId: string): Promise<LoanSummary | null> {
  const [loan] = await db.select().from(loans).where(eq(loans.id, loanId));
  if (!loan) return null;
  const rows = await db
    .select()
    .from(installments)
    .where(eq(installments.loanId, loanId))
    .orderBy(asc(installments.number));
  return {
    id: loan.id,
    status: loan.status,
    product: loan.product,
    method: loan.method,
    principal_amount: fenNumber(loan.principalFen),
    currency: loan.currency,
    apr: loan.apr,
    monthly_rate: loan.monthlyRate,
    daily_rate: loan.dailyRate,
    total_interest_amount: fenNumber(loan.totalInterestFen),
    total_fee_amount: fenNumber(loan.totalFeeFen),
    total_amount: fenNumber(loan.principalFen + loan.totalInterestFen + loan.totalFeeFen),
    installments: rows.map((r) => ({
      number: r.number,
      due_date: r.dueDate,
      principal_amount: fenNumber(r.principalFen),
      interest_amount: fenNumber(r.interestFen),
      fee_amount: fenNumber(r.feeFen),
      amount: fenNumber(r.principalFen + r.interestFen + r.feeFen),
    })),
  };
}
