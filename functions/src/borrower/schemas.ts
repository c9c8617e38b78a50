/** zod schemas of the borrower API (requests validated with them; OpenAPI generated from them). */
import { DATA_AUTHORIZATION_KEYS, PRODUCT_CODES, REPAYMENT_METHODS, SCENE_CATEGORIES } from '@fenqi/shared';
import { z } from 'zod';
import { amountFen, paginationQuery } from '../http/parse';
import { ESSENTIAL_CONSENTS } from './credit';

const consentKeys = [...ESSENTIAL_CONSENTS, ...DATA_AUTHORIZATION_KEYS] as [string, ...string[]];

export const sessionBody = z.strictObject({
  code: z.string().min(1).max(128).describe('The code from wx.login (or dev:<name> in dev/test)'),
});

export const applicationBody = z.strictObject({
  monthly_income: amountFen().describe('Declared monthly income in fen'),
  consents: z
    .array(z.enum(consentKeys))
    .min(1)
    .max(consentKeys.length)
    .refine((a) => new Set(a).size === a.length, {
      message: 'consents must not repeat',
      params: { code: 'duplicate_value' },
    }),
});

export const temporaryIncreaseBody = z.strictObject({
  amount: amountFen().optional(),
  renew: z.boolean().optional(),
  event: z.enum(['singles_day', 'spring_festival', 'national_day', 'other']).optional(),
  proof: z.strictObject({
    type: z.enum(['payslip', 'bank_flow', 'asset']),
    reference: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x20-\x7e]+$/)
      .describe('Reference of an uploaded proof document'),
  }),
});

const quoteFields = {
  product: z.enum(PRODUCT_CODES),
  principal_amount: amountFen(),
  term_months: z.int().min(1).max(36).optional(),
  term_days: z.int().min(1).max(365).optional(),
  method: z.enum(REPAYMENT_METHODS),
  with_service_fee: z.boolean().optional(),
  scene: z.enum(SCENE_CATEGORIES).optional(),
};

export const quoteBody = z.strictObject(quoteFields);

/** 交易密码: required once the user has set one (PUT /v1/me/payment-password). */
export const paymentPassword = z
  .string()
  .regex(/^\d{6}$/, { message: 'six digits' })
  .optional()
  .describe('Your six-digit payment password (交易密码); required once you have set one');

export const loanBody = z.strictObject({
  quote_id: z.string().min(4).max(1024).optional(),
  product: quoteFields.product.optional(),
  principal_amount: quoteFields.principal_amount.optional(),
  term_months: quoteFields.term_months,
  term_days: quoteFields.term_days,
  method: quoteFields.method.optional(),
  with_service_fee: quoteFields.with_service_fee,
  scene: quoteFields.scene,
  payment_password: paymentPassword,
});

export const repaymentBody = z.union([
  z.strictObject({ amount: amountFen(), type: z.literal('amount').optional() }),
  z.strictObject({ type: z.enum(['installment', 'payoff']) }),
]);

export const graceBody = z.strictObject({ days: z.int().min(1).max(3).optional() });

export const quizBody = z.strictObject({
  answers: z
    .array(z.strictObject({ question_id: z.string().min(1).max(16), option_id: z.string().min(1).max(16) }))
    .min(1)
    .max(10),
});

export const authorizationBody = z.strictObject({ granted: z.boolean() });

export const loansQuery = z.strictObject({
  ...paginationQuery,
  status: z.enum(['cooling_off', 'active', 'overdue', 'paid_off', 'canceled']).optional(),
});

export const authorizationKeyParam = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z_]+$/);
export const loanIdParam = z
  .string()
  .min(1)
  .max(64)
  .regex(/^loan_[a-z0-9]+$/);
