/**
 * The borrower API as typed functions. Pages call these and nothing else; every POST takes
 * the idempotency key of the user action it belongs to (see idempotency.ts).
 */
import { call } from './client';
import type {
  Authorization,
  CheckoutView,
  CreditApplicationResult,
  CreditLine,
  List,
  Loan,
  Me,
  Payoff,
  ProductsResponse,
  QuizQuestion,
  QuizResult,
  Quote,
  QuoteRequest,
  StepUpChallenge,
  TemporaryIncrease,
} from './types';

export { ApiError, deviceId, login, logout } from './client';
export type * from './types';

const id = (value: string) => encodeURIComponent(value);

/**
 * The body with the 交易密码 when the person typed one. The idempotency key is taken from the
 * body without it (the server hashes it the same way), so the retry is the same request.
 */
function withPaymentPassword<B extends object>(body: B, paymentPassword: string | undefined) {
  return paymentPassword === undefined ? body : { ...body, payment_password: paymentPassword };
}

export const api = {
  me: () => call<Me>('GET', '/v1/me'),
  creditLine: () => call<CreditLine>('GET', '/v1/credit/line'),
  applyForCredit: (body: { monthly_income: number; consents: string[] }, idempotencyKey: string) =>
    call<CreditApplicationResult>('POST', '/v1/credit/applications', { body, idempotencyKey }),
  requestTemporaryIncrease: (body: Record<string, unknown>, idempotencyKey: string) =>
    call<TemporaryIncrease>('POST', '/v1/credit/temporary-increases', { body, idempotencyKey }),
  products: () => call<ProductsResponse>('GET', '/v1/products'),
  quote: (body: QuoteRequest, idempotencyKey?: string) =>
    call<Quote>('POST', '/v1/quotes', { body, ...(idempotencyKey ? { idempotencyKey } : {}) }),
  borrow: (body: QuoteRequest | { quote_id: string }, idempotencyKey: string, paymentPassword?: string) =>
    call<Loan>('POST', '/v1/loans', { body: withPaymentPassword(body, paymentPassword), idempotencyKey }),
  loans: (query: { limit?: number; starting_after?: string } = {}) =>
    call<List<Loan>>('GET', '/v1/loans', {
      query: { limit: query.limit ?? 50, starting_after: query.starting_after },
    }),
  loan: (loanId: string) => call<Loan>('GET', `/v1/loans/${id(loanId)}`),
  payoff: (loanId: string) => call<Payoff>('GET', `/v1/loans/${id(loanId)}/payoff`),
  repay: (
    loanId: string,
    body: { amount: number } | { type: 'payoff' } | { type: 'installment' },
    idempotencyKey: string,
  ) => call<Record<string, unknown>>('POST', `/v1/loans/${id(loanId)}/repayments`, { body, idempotencyKey }),
  requestGrace: (loanId: string, idempotencyKey: string) =>
    call<Loan>('POST', `/v1/loans/${id(loanId)}/grace`, { body: {}, idempotencyKey }),
  cancelLoan: (loanId: string, idempotencyKey: string) =>
    call<Loan>('POST', `/v1/loans/${id(loanId)}/cancel`, { body: {}, idempotencyKey }),
  quiz: () => call<{ questions: QuizQuestion[] }>('GET', '/v1/education/quiz'),
  submitQuiz: (answers: { question_id: string; option_id: string }[], idempotencyKey: string) =>
    call<QuizResult>('POST', '/v1/education/quiz', { body: { answers }, idempotencyKey }),
  authorizations: () => call<List<Authorization> | { data: Authorization[] }>('GET', '/v1/authorizations'),
  setAuthorization: (key: string, granted: boolean) =>
    call<Authorization>('PUT', `/v1/authorizations/${id(key)}`, { body: { granted } }),
  checkout: (token: string) => call<CheckoutView>('GET', `/v1/checkouts/${id(token)}`),
  confirmCheckout: (token: string, installments: number, idempotencyKey: string, paymentPassword?: string) =>
    call<CheckoutView & { loan_id?: string; loan?: Loan }>('POST', `/v1/checkouts/${id(token)}/confirm`, {
      body: withPaymentPassword({ installments }, paymentPassword),
      idempotencyKey,
    }),
  /** Sets the 6-digit 交易密码, or changes it (`current_password` once one is set). */
  setPaymentPassword: (body: { password: string; current_password?: string }) =>
    call<{ object: 'payment_password'; set: boolean; updated_at: string }>('PUT', '/v1/me/payment-password', {
      body,
    }),
  /** Dev/test only: the demo partner's order becomes a checkout of the seeded demo merchant. */
  createDemoPartnerOrder: (
    body: { amount: number; description: string; items?: unknown[] },
    idempotencyKey: string,
  ) =>
    call<{ token: string; id?: string; out_trade_no?: string }>('POST', '/v1/demo/partner-orders', {
      body,
      idempotencyKey,
    }),
  /** A second-verification challenge (dev/test: with the codes the adapters would deliver). */
  stepUpChallenge: (challengeId: string, device: string) =>
    call<StepUpChallenge>('GET', `/v1/risk/step-up/${id(challengeId)}`, { query: { device_id: device } }),
  /** Pass the challenge; then the paused request is sent again with the same Idempotency-Key. */
  completeStepUp: (
    body: { challenge_id: string; otp_code: string; device_id: string; device_code: string },
    idempotencyKey: string,
  ) => call<{ id: string; status: string }>('POST', '/v1/risk/step-up', { body, idempotencyKey }),
};
