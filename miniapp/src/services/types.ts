/**
 * Wire shapes of the borrower API (../../../../shared/api-contract.md is the source of
 * truth). Money fields are integers in fen; rates are decimal strings per unit.
 * Extra fields the server may add are optional here.
 */
export type ProductCode =
  | 'cash_loan'
  | 'business_turnover'
  | 'education_installment'
  | 'emergency_loan'
  | 'scene_installment';
export type RepaymentMethod =
  | 'equal_installment'
  | 'equal_principal'
  | 'interest_first'
  | 'single_payment'
  | 'daily';
export type LoanStatus = 'cooling_off' | 'active' | 'overdue' | 'paid_off' | 'canceled';

export interface Session {
  token: string;
  expires_at: string;
  user: { id: string };
}

export interface Authorization {
  key: string;
  name?: string;
  purpose?: string;
  granted: boolean;
  essential?: boolean;
}

export interface HealthFactors {
  monthly_income?: number;
  monthly_debt_payment?: number;
  other_lenders?: number;
  late_installments_12m?: number;
  currently_overdue?: boolean;
  no_history?: boolean;
}

export interface Me {
  id: string;
  tier?: string | null;
  health_score?: number | null;
  credit_score?: number | null;
  health?: { score: number; band?: string; lessons_offered?: boolean; factors?: HealthFactors };
  credit_line?: CreditLine | null;
  education?: { passed: boolean; passed_at?: string | null } | null;
  education_passed?: boolean;
  monthly_income?: number | null;
  authorizations?: Authorization[];
  /** A 交易密码 is set: borrow and checkout confirm need it. */
  payment_password_set?: boolean;
  mfa_required?: boolean;
  [extra: string]: unknown;
}

export interface CreditLine {
  base_limit_amount: number;
  temporary_limit_amount: number;
  temporary_expires_at: string | null;
  used_amount: number;
  held_amount: number;
  available_amount: number;
  frozen: boolean;
  currency: 'CNY';
  status?: string;
}

export interface CreditApplicationResult {
  status: 'approved' | 'declined';
  credit_line?: CreditLine;
  decline_code?: string;
  reasons: (string | { code?: string; message?: string; text?: string })[];
}

export interface Disclosure {
  institution_name?: string;
  licensed_institution?: string;
  license_number?: string;
  licence_number?: string;
  complaint_channel?: string;
  complaint_phone?: string;
  [extra: string]: unknown;
}

export interface Product {
  code: ProductCode;
  name?: string;
  min_amount?: number;
  max_amount?: number;
  min_principal_amount?: number;
  max_principal_amount?: number;
  term_months?: number[];
  term_days?: { min: number; max: number } | null;
  min_term_days?: number;
  max_term_days?: number;
  min_term_months?: number;
  max_term_months?: number;
  methods?: RepaymentMethod[];
  apr?: string;
  annual_rate?: string;
  daily_rate?: string;
  fee_rate?: string;
  [extra: string]: unknown;
}

export interface ProductsResponse {
  data: Product[];
  disclosure: Disclosure;
  currency?: 'CNY';
  [extra: string]: unknown;
}

export interface Installment {
  number: number;
  due_date: string;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  amount: number;
  status?: string;
  paid_amount?: number;
  paid_principal_amount?: number;
  penalty_amount?: number;
  grace_until?: string | null;
}

export interface QuoteRequest {
  product: ProductCode;
  principal_amount: number;
  term_months?: number;
  term_days?: number;
  method: RepaymentMethod;
  with_service_fee?: boolean;
}

export interface Quote {
  id?: string;
  principal_amount: number;
  currency: 'CNY';
  method: RepaymentMethod;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
  installments: Installment[];
}

export interface Loan extends Quote {
  id: string;
  status: LoanStatus;
  product?: ProductCode;
  term_months?: number | null;
  term_days?: number | null;
  created_at?: string;
  disbursed_at?: string | null;
  cooling_off_until?: string | null;
  outstanding_principal_amount?: number;
}

export interface Payoff {
  amount: number;
  principal_amount: number;
  interest_amount: number;
  penalty_amount: number;
  fee_amount: number;
  as_of: string;
}

export interface List<T> {
  data: T[];
  has_more: boolean;
}

export interface QuizQuestion {
  id: string;
  text: string;
  options: { id: string; text: string }[];
}
export interface QuizResult {
  passed: boolean;
  score: number;
  results: { question_id: string; correct: boolean; correct_option_id: string; explanation: string }[];
}

export interface CheckoutPlan {
  installments: number;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  installment_amount: number;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
}

export interface CheckoutView {
  id: string;
  merchant: { name: string };
  amount: number;
  currency: 'CNY';
  description: string;
  status: string;
  expires_at: string;
  return_path?: string | null;
  out_trade_no?: string;
  plans: CheckoutPlan[];
}

export interface TemporaryIncrease {
  id?: string;
  status: string;
  amount?: number;
  temporary_limit_amount?: number;
  expires_at?: string | null;
  reasons?: string[];
  [extra: string]: unknown;
}

export interface StepUpChallenge {
  id: string;
  status: string;
  rule?: string | null;
  factors_required?: string[];
  factors_passed?: string[];
  expires_at?: string;
  /** dev/test only: what the SMS and device-confirmation adapters would deliver. */
  dev_delivery?: { otp_code?: string; device_id?: string; device_code?: string };
}
