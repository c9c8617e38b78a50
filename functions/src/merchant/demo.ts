/**
 * Dev/test-only endpoints for the mini-app's demo partner page (a food-delivery order): create
 * a checkout for the seeded demo merchant and read its status, plus a webhook receiver that
 * accepts the demo merchant's events. In production configuration they answer 404 like any
 * unknown route.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { schema } from '../db';
import { ApiError, notFound } from '../http/errors';
import { amountFen, idParam } from '../http/parse';
import { defineRoute, ok, type Route, type RouteContext } from '../http/route';
import { createCheckout, readMerchantCheckout } from './checkouts';
import { randomBase62 } from './keys';

export const DEMO_MERCHANT_ID = 'mch_demo0dining0000000001';
export const DEMO_MERCHANT_NAME = '好味外卖 (demo)';
export const DEMO_SCENE = 'dining';

function assertDemoEnabled(ctx: RouteContext): void {
  if (ctx.config.mode === 'production') {
    throw new ApiError('not_found', 'route_not_found', `No route for ${ctx.method} ${ctx.routePath}.`);
  }
}

/** Where the demo merchant's webhooks go: this same server. */
export function demoNotifyUrl(host: string | undefined): string {
  const safeHost =
    host && /^[A-Za-z0-9.\-:[\]]{1,100}$/.test(host) ? host : `127.0.0.1:${process.env.PORT ?? 3000}`;
  return `http://${safeHost}/v1/demo/webhooks`;
}

const partnerOrderBody = z.strictObject({
  amount: amountFen().default(12_800),
  description: z.string().min(1).max(256).default('招牌牛肉面 ×2 + 冰豆浆'),
  capture_method: z.enum(['automatic', 'manual']).default('automatic'),
  return_path: z.string().min(1).max(512).default('pkg-checkout/partner/index'),
  /** The partner's order lines (shown by the demo page; the checkout keeps only the total). */
  items: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        quantity: z.int().min(1).max(99),
        amount: amountFen(),
      }),
    )
    .max(20)
    .optional(),
});

export const demoRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/demo/partner-orders',
    operationId: 'createDemoPartnerOrder',
    summary: 'Dev/test only: the demo partner creates a checkout for its order',
    tags: ['demo'],
    auth: 'none',
    body: partnerOrderBody,
    idempotent: 'optional',
    successStatus: 201,
    async handler(ctx) {
      assertDemoEnabled(ctx);
      const { row } = await ctx.transaction(async (tx) => {
        const [merchant] = await tx
          .select()
          .from(schema.merchants)
          .where(eq(schema.merchants.id, DEMO_MERCHANT_ID));
        if (!merchant) throw notFound('demo_merchant');
        return createCheckout(tx, {
          scope: { merchantId: DEMO_MERCHANT_ID, mode: 'test' },
          body: {
            out_trade_no: `DEMO-${ctx.now.getTime()}-${randomBase62(6)}`,
            amount: ctx.body.amount,
            currency: 'CNY',
            scene: DEMO_SCENE,
            description: ctx.body.description,
            notify_url: demoNotifyUrl(ctx.headers.host),
            return_path: ctx.body.return_path,
            capture_method: ctx.body.capture_method,
            expires_in: 30 * 60,
          },
          now: ctx.now,
        });
      });
      return {
        status: 201,
        body: {
          token: row.token,
          checkout_id: row.id,
          out_trade_no: row.outTradeNo,
          amount: Number(row.amountFen),
          currency: row.currency,
          expires_at: row.expiresAt.toISOString(),
        },
        effect: { type: 'checkout', id: row.id },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/demo/partner-orders/:checkout_id',
    operationId: 'getDemoPartnerOrder',
    summary: 'Dev/test only: the demo partner reads the status of its checkout',
    tags: ['demo'],
    auth: 'none',
    params: { checkout_id: idParam('chk') },
    async handler(ctx) {
      assertDemoEnabled(ctx);
      const { row } = await readMerchantCheckout(ctx.database, {
        scope: { merchantId: DEMO_MERCHANT_ID, mode: 'test' },
        id: ctx.params.checkout_id!,
        now: ctx.now,
      });
      return ok({
        checkout_id: row.id,
        out_trade_no: row.outTradeNo,
        status: row.status,
        amount: Number(row.amountFen),
        captured_amount: Number(row.amountCapturedFen),
        refunded_amount: Number(row.amountRefundedFen),
        installments: row.installments,
        currency: row.currency,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/demo/webhooks',
    operationId: 'receiveDemoWebhook',
    summary: "Dev/test only: the demo merchant's webhook receiver (acknowledges every event)",
    tags: ['demo'],
    auth: 'none',
    body: z.looseObject({ id: z.string().max(64), type: z.string().max(64) }),
    async handler(ctx) {
      assertDemoEnabled(ctx);
      return ok({ received: true, id: ctx.body.id });
    },
  }),
];
