/** Request schemas of the merchant API and the shopper checkout (zod: validation + OpenAPI). */
import { z } from 'zod';
import { amountFen, idParam, paginationQuery } from '../http/parse';

export const CHECKOUT_EXPIRES_IN_DEFAULT_SECONDS = 30 * 60;
export const CHECKOUT_EXPIRES_IN_MIN_SECONDS = 60;
export const CHECKOUT_EXPIRES_IN_MAX_SECONDS = 24 * 60 * 60;
/** How long a manual-capture authorisation holds the shopper's line. */
export const AUTHORIZATION_VALID_SECONDS = 7 * 24 * 60 * 60;
export const PLAN_INSTALLMENTS = [3, 6, 9, 12] as const;

/** WeChat Pay's habit: merchant order numbers of letters, digits and `_-|*.`. */
const merchantNo = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_\-|*.]+$/);

export const createCheckoutBody = z.strictObject({
  out_trade_no: merchantNo,
  amount: amountFen(),
  currency: z.literal('CNY'),
  scene: z.string().min(1).max(32),
  description: z.string().min(1).max(256),
  notify_url: z.url({ protocol: /^https?$/ }).max(2048),
  return_path: z.string().min(1).max(512).optional(),
  capture_method: z.enum(['automatic', 'manual']).default('automatic'),
  expires_in: z
    .int()
    .min(CHECKOUT_EXPIRES_IN_MIN_SECONDS)
    .max(CHECKOUT_EXPIRES_IN_MAX_SECONDS)
    .default(CHECKOUT_EXPIRES_IN_DEFAULT_SECONDS),
});
export type CreateCheckoutBody = z.output<typeof createCheckoutBody>;

export const captureBody = z.strictObject({ amount: amountFen().optional() });
export const emptyBody = z.strictObject({});
export const refundBody = z.strictObject({ amount: amountFen(), out_refund_no: merchantNo });
export const confirmBody = z.strictObject({
  installments: z.union(
    PLAN_INSTALLMENTS.map((n) => z.literal(n)) as [
      z.ZodLiteral<3>,
      z.ZodLiteral<6>,
      z.ZodLiteral<9>,
      z.ZodLiteral<12>,
    ],
  ),
  payment_password: z
    .string()
    .regex(/^\d{6}$/, { message: 'six digits' })
    .optional()
    .describe("The shopper's six-digit payment password (交易密码); required once they have set one"),
});
/** Grace before the current keys stop working: 0 (at once) … 7 days. */
export const rotateKeyBody = z.strictObject({
  expire_current_in: z
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(0),
});
export const listQuery = z.strictObject({ ...paginationQuery });

export const checkoutIdParam = { id: idParam('chk') };
export const eventIdParam = { id: idParam('evt') };
/** Shopper tokens: `ct_` + 32 base62. */
export const checkoutTokenParam = { token: z.string().regex(/^ct_[0-9A-Za-z]{32}$/) };
