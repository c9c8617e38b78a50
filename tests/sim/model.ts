/**
 * The simulator's own model of what each user and merchant should see. It does not
 * re-implement pricing; it tracks what the service told us and what must follow from it:
 * which loans exist (nothing lost, nothing doubled), what was paid, which states are still
 * possible, how many graces were used, what each checkout went through and which webhook
 * events it owes the merchant.
 */

export type LoanStatus = 'cooling_off' | 'active' | 'overdue' | 'paid_off' | 'canceled';
export const OPEN_STATUSES: ReadonlySet<string> = new Set(['cooling_off', 'active', 'overdue']);

export interface LoanModel {
  handle: string;
  id: string;
  principalFen: number;
  /** Last status the service reported (or implied by a successful action). */
  status: LoanStatus;
  /** Sum of accepted user repayments (fen). */
  userPaidFen: number;
  /** True once something happened we cannot predict exactly (over-payment, refund). */
  paidUnsure: boolean;
  /** Service time (ms) when it was created. */
  createdAtMs: number;
  fromCheckout?: string;
  /** Calendar years (of the installment due dates) of the graces granted on this loan. */
  graceUsesMs: number[];
}

export interface UserModel {
  handle: string;
  /** The `dev:<name>` login name. */
  loginName: string;
  lane: number;
  token?: string;
  userId?: string;
  application: 'none' | 'approved' | 'declined';
  monthlyIncomeFen: number;
  baseLimitFen?: number;
  quizPassed: boolean;
  knownAnswers: Map<string, string>;
  loans: LoanModel[];
  /** Loans the service may have created for us without telling the id (manual capture). */
  expectedUnlinkedLoans: Array<{ checkoutHandle: string; principalFen: number }>;
}

export type CheckoutStatus =
  | 'open'
  | 'authorized'
  | 'captured'
  | 'expired'
  | 'canceled'
  | 'refunded'
  | 'partially_refunded';

export interface CheckoutModel {
  handle: string;
  id: string;
  token: string;
  amountFen: number;
  captureMethod: 'automatic' | 'manual';
  status: CheckoutStatus;
  expiresAtMs: number;
  outTradeNo: string;
  shopper?: string;
  capturedFen: number;
  refundedFen: number;
  refunds: Map<string, number>;
  /** checkout.* event types the merchant must receive for this checkout. */
  expectedEvents: Set<string>;
  /** refund.succeeded events owed (one per distinct successful refund). */
  expectedRefundEvents: number;
}

export interface Violation {
  step: number;
  lane: number;
  kind: string;
  message: string;
  /** Actor names whose requests make up the reproduction. */
  actors: string[];
}

export interface LaneModel {
  index: number;
  users: UserModel[];
  checkouts: CheckoutModel[];
  nextUser: number;
  nextCheckout: number;
}

export function newLane(index: number): LaneModel {
  return { index, users: [], checkouts: [], nextUser: 0, nextCheckout: 0 };
}

/** Cooling-off rule of the brief: > 60 % of monthly income, or income < 5,000 CNY and loan > 3,000 CNY. */
export function coolingOffRequired(principalFen: number, monthlyIncomeFen: number): boolean {
  return principalFen * 10 > monthlyIncomeFen * 6 || (monthlyIncomeFen < 500_000 && principalFen > 300_000);
}

/** Product amount ranges of the brief, in fen (scene installments follow the order amount). */
export const PRODUCT_RANGES: Record<string, { minFen: number; maxFen: number }> = {
  cash_loan: { minFen: 50_000, maxFen: 20_000_000 },
  business_turnover: { minFen: 5_000_000, maxFen: 50_000_000 },
  education_installment: { minFen: 1_000_000, maxFen: 10_000_000 },
  emergency_loan: { minFen: 50_000, maxFen: 500_000 },
};

export const YEAR_MS = 365 * 24 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;
