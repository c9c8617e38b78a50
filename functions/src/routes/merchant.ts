/**
 * Merchant API (partner server → Fenqi, `Authorization: Bearer sk_…`), the shopper checkout
 * (mini-program, user session), the webhook cron, and the dev-only demo partner endpoints.
 * Handlers: parse (schemas) → authenticate (dispatcher) → service call in one transaction →
 * respond → after-commit webhook trigger.
 */

import { z } from 'zod';
import { registerDailyStep } from '../batch/daily';
import { runBorrowerHooks } from '../borrower/hooks';
import { defineRoute, ok, type Principal, type Route, type RouteContext } from '../http/route';
import { registerMerchantAuthenticator } from '../merchant/auth';
import {
  cancelCheckout,
  captureCheckout,
  confirmCheckout,
  createCheckout,
  type Emitted,
  expireDueCheckouts,
  type LoanBookedHook,
  type MerchantScope,
  readCheckoutByToken,
  readMerchantCheckout,
  refundCheckout,
} from '../merchant/checkouts';
import { demoRoutes } from '../merchant/demo';
import { checkShopperEligibility } from '../merchant/eligibility';
import { listEvents, redeliverEvent } from '../merchant/events';
import { apiKeyPrefix } from '../merchant/keys';
import {
  rollWebhookSecret,
  rotateApiKey,
  WEBHOOK_SECRET_OVERLAP_MAX_SECONDS,
  WEBHOOK_SECRET_OVERLAP_SECONDS,
} from '../merchant/merchants';
import { checkoutObject } from '../merchant/objects';
import {
  captureBody,
  checkoutIdParam,
  checkoutTokenParam,
  confirmBody,
  createCheckoutBody,
  emptyBody,
  eventIdParam,
  listQuery,
  refundBody,
  rotateKeyBody,
} from '../merchant/schemas';
import { loanSummary, loanSummaryFromPlan, shopperView } from '../merchant/shopper';
import { paymentPasswordOf, riskHints } from '../risk-gate';
import { sealContracts } from '../security/contracts';
import { triggerAfterCommit } from '../webhooks/trigger';
import { deliverDueEvents } from '../webhooks/worker';

registerMerchantAuthenticator();
registerDailyStep({
  name: 'checkout_expiry',
  async run({ tx, database, config, asOf }) {
    const { expired, eventIds } = await expireDueCheckouts(tx, asOf);
    triggerAfterCommit({ database, now: asOf, eventIds, keys: config });
    return { expired };
  },
});

/** The borrower API's `loan_created` hooks (contract e-signing, evidence chain, audit). */
function loanCreatedHooks(ctx: RouteContext): LoanBookedHook {
  return (tx, a) =>
    runBorrowerHooks('loan_created', {
      tx,
      database: ctx.database,
      config: ctx.config,
      now: ctx.now,
      userId: a.userId,
      loanId: a.loanId,
      loan: a.loan,
      requestId: ctx.requestId,
      ...(a.rows ? { rows: a.rows } : {}),
    });
}

function scopeOf(principal: Principal): MerchantScope {
  if (principal.kind !== 'merchant') throw new Error('merchant route without a merchant principal');
  return { merchantId: principal.merchantId, mode: principal.livemode ? 'live' : 'test' };
}

function userOf(principal: Principal): { userId: string; sessionId: string } {
  if (principal.kind !== 'user') throw new Error('shopper route without a user principal');
  return { userId: principal.userId, sessionId: principal.sessionId };
}

/** Runs `fn` in the request's transaction with a fresh event list, then triggers delivery. */
async function withEvents<T>(
  ctx: RouteContext,
  fn: (tx: Parameters<Parameters<RouteContext['transaction']>[0]>[0], emitted: Emitted) => Promise<T>,
): Promise<T> {
  let emitted: Emitted = { eventIds: [] };
  const result = await ctx.transaction((tx) => {
    emitted = { eventIds: [] };
    return fn(tx, emitted);
  });
  triggerAfterCommit({ database: ctx.database, now: ctx.now, eventIds: emitted.eventIds, keys: ctx.config });
  return result;
}

const tags = ['merchant'];
const shopperTags = ['checkout'];

export const merchantRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/merchant/checkouts',
    operationId: 'createMerchantCheckout',
    summary: 'Create a checkout (idempotent by Idempotency-Key and by out_trade_no)',
    tags,
    auth: 'merchant',
    body: createCheckoutBody,
    idempotent: 'optional',
    successStatus: 201,
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const args = { scope, body: ctx.body, now: ctx.now };
      // Without an Idempotency-Key one INSERT … ON CONFLICT is atomic on its own: no transaction.
      const { row, created } = ctx.idempotencyKey
        ? await ctx.transaction((tx) => createCheckout(tx, args))
        : await createCheckout(ctx.database.db, args);
      return created
        ? { status: 201, body: checkoutObject(row), effect: { type: 'checkout', id: row.id } }
        : { status: 200, body: checkoutObject(row) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/merchant/checkouts/:id',
    operationId: 'getMerchantCheckout',
    summary: 'A checkout of this merchant (expiry applied as of now)',
    tags,
    auth: 'merchant',
    params: checkoutIdParam,
    async handler(ctx) {
      const { row, emitted } = await readMerchantCheckout(ctx.database, {
        scope: scopeOf(ctx.principal),
        id: ctx.params.id!,
        now: ctx.now,
      });
      triggerAfterCommit({
        database: ctx.database,
        now: ctx.now,
        eventIds: emitted.eventIds,
        keys: ctx.config,
      });
      return ok(checkoutObject(row));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/merchant/checkouts/:id/capture',
    operationId: 'captureMerchantCheckout',
    summary: 'Capture an authorised manual checkout, in full or in part (the rest of the hold is released)',
    tags,
    auth: 'merchant',
    params: checkoutIdParam,
    body: captureBody,
    idempotent: 'required',
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const row = await withEvents(ctx, (tx, emitted) =>
        captureCheckout(
          tx,
          {
            scope,
            id: ctx.params.id!,
            now: ctx.now,
            onLoanBooked: loanCreatedHooks(ctx),
            ...(ctx.body.amount !== undefined ? { amountFen: BigInt(ctx.body.amount) } : {}),
          },
          emitted,
        ),
      );
      return { status: 200, body: checkoutObject(row), effect: { type: 'loan', id: row.loanId ?? row.id } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/merchant/checkouts/:id/cancel',
    operationId: 'cancelMerchantCheckout',
    summary: 'Void an open or authorised checkout; releases the hold',
    tags,
    auth: 'merchant',
    params: checkoutIdParam,
    body: emptyBody,
    idempotent: 'optional',
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const row = await withEvents(ctx, (tx, emitted) =>
        cancelCheckout(tx, { scope, id: ctx.params.id!, now: ctx.now }, emitted),
      );
      return ok(checkoutObject(row));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/merchant/checkouts/:id/refunds',
    operationId: 'refundMerchantCheckout',
    summary: 'Refund part or all of a captured checkout (out_refund_no refunds once)',
    tags,
    auth: 'merchant',
    params: checkoutIdParam,
    body: refundBody,
    idempotent: 'required',
    successStatus: 201,
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const { refund, created } = await withEvents(ctx, (tx, emitted) =>
        refundCheckout(
          tx,
          {
            scope,
            id: ctx.params.id!,
            amountFen: BigInt(ctx.body.amount),
            outRefundNo: ctx.body.out_refund_no,
            now: ctx.now,
          },
          emitted,
        ),
      );
      return created
        ? { status: 201, body: refund, effect: { type: 'refund', id: refund.id } }
        : { status: 200, body: refund };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/merchant/events',
    operationId: 'listMerchantEvents',
    summary: "The merchant's events, newest first",
    tags,
    auth: 'merchant',
    query: listQuery,
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      return ok(
        await listEvents({
          database: ctx.database,
          merchantId: scope.merchantId,
          mode: scope.mode,
          limit: ctx.query.limit,
          ...(ctx.query.starting_after ? { startingAfter: ctx.query.starting_after } : {}),
        }),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/merchant/events/:id/redeliver',
    operationId: 'redeliverMerchantEvent',
    summary: 'Deliver an event again now (same id and body)',
    tags,
    auth: 'merchant',
    params: eventIdParam,
    body: emptyBody,
    idempotent: 'optional',
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const eventId = ctx.params.id!;
      await ctx.transaction((tx) => redeliverEvent(tx, { ...scope, eventId, now: ctx.now }));
      triggerAfterCommit({ database: ctx.database, now: ctx.now, eventIds: [eventId], keys: ctx.config });
      return ok({ id: eventId, redelivery_scheduled: true });
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/merchant/api-keys/rotate',
    operationId: 'rotateMerchantApiKey',
    summary:
      'Issue a new secret key for this mode (shown once, never stored in plaintext nor replayed) and retire the current ones after expire_current_in seconds',
    tags,
    auth: 'merchant',
    body: rotateKeyBody,
    successStatus: 201,
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const rotated = await ctx.transaction((tx) =>
        rotateApiKey(tx, {
          merchantId: scope.merchantId,
          mode: scope.mode,
          now: ctx.now,
          graceSeconds: ctx.body.expire_current_in,
        }),
      );
      return {
        status: 201,
        body: {
          object: 'api_key',
          secret: rotated.plaintext,
          prefix: apiKeyPrefix(rotated.plaintext),
          livemode: scope.mode === 'live',
          previous_keys_expire_at: rotated.previousExpiresAt.toISOString(),
        },
      };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/merchant/webhook-secret/rotate',
    operationId: 'rotateMerchantWebhookSecret',
    summary:
      'Issue a new webhook secret for this mode (shown once); the current ones keep signing alongside it (one v1= each) for expires_in seconds',
    tags,
    auth: 'merchant',
    body: z.strictObject({
      expires_in: z
        .int()
        .min(0)
        .max(WEBHOOK_SECRET_OVERLAP_MAX_SECONDS)
        .default(WEBHOOK_SECRET_OVERLAP_SECONDS),
    }),
    successStatus: 201,
    async handler(ctx) {
      const scope = scopeOf(ctx.principal);
      const rolled = await ctx.transaction((tx) =>
        rollWebhookSecret(tx, {
          merchantId: scope.merchantId,
          mode: scope.mode,
          now: ctx.now,
          keys: ctx.config,
          expiresInSeconds: ctx.body.expires_in,
        }),
      );
      return {
        status: 201,
        body: {
          object: 'webhook_secret',
          secret: rolled.secret,
          livemode: scope.mode === 'live',
          previous_secrets_expire_at: rolled.previousExpiresAt.toISOString(),
        },
      };
    },
  }),

  // shopper side -----------------------------------------------------------------------
  defineRoute({
    method: 'GET',
    path: '/v1/checkouts/:token',
    operationId: 'getShopperCheckout',
    summary: 'A merchant checkout as the shopper sees it, with the plans they may take',
    tags: shopperTags,
    auth: 'user',
    params: checkoutTokenParam,
    async handler(ctx) {
      const { userId } = userOf(ctx.principal);
      const { row, emitted } = await readCheckoutByToken(ctx.database, {
        token: ctx.params.token!,
        now: ctx.now,
      });
      triggerAfterCommit({
        database: ctx.database,
        now: ctx.now,
        eventIds: emitted.eventIds,
        keys: ctx.config,
      });
      return ok(await shopperView(ctx.database.db, row, userId, ctx.now));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/checkouts/:token/confirm',
    operationId: 'confirmShopperCheckout',
    summary: 'Pay the order in 3 / 6 / 9 / 12 installments (the same rules as borrowing)',
    tags: shopperTags,
    auth: 'user',
    params: checkoutTokenParam,
    body: confirmBody,
    idempotent: 'required',
    async handler(ctx) {
      const { userId } = userOf(ctx.principal);
      const hints = riskHints(ctx);
      const out = await withEvents(ctx, async (tx, emitted) => {
        const { row, created, plan } = await confirmCheckout(
          tx,
          {
            token: ctx.params.token!,
            userId,
            installments: ctx.body.installments,
            now: ctx.now,
            productionMode: ctx.config.mode === 'production',
            onLoanBooked: loanCreatedHooks(ctx),
            checkEligibility: (t, a) =>
              checkShopperEligibility(
                t,
                {
                  database: ctx.database,
                  config: ctx.config,
                  now: ctx.now,
                  requestId: ctx.requestId,
                  ...hints,
                  ...paymentPasswordOf(ctx.body),
                },
                a,
              ),
          },
          emitted,
        );
        return {
          created,
          // the shopper's view of the checkout, plus the loan it became (null until captured)
          body: {
            ...(await shopperView(tx, row, userId, ctx.now)),
            loan: row.loanId
              ? plan
                ? loanSummaryFromPlan(row.loanId, plan)
                : await loanSummary(tx, row.loanId)
              : null,
          },
        };
      });
      const effectId = out.body.loan?.id ?? out.body.id;
      return out.created
        ? {
            status: 200,
            body: out.body,
            effect: { type: out.body.loan ? 'loan' : 'checkout_authorization', id: effectId },
          }
        : { status: 200, body: out.body };
    },
  }),

  // operations ---------------------------------------------------------------------------
  ...(['GET', 'POST'] as const).map((method) =>
    defineRoute({
      method,
      path: '/v1/cron/webhooks',
      operationId: method === 'GET' ? 'runWebhookCron' : 'runWebhookCronPost',
      summary: 'Deliver due webhook events from the outbox (bounded passes)',
      tags: ['system'],
      auth: 'cron',
      async handler(ctx) {
        const startedMs = Date.now();
        const total = { passes: 0, claimed: 0, delivered: 0, failed: 0 };
        while (total.passes < 20 && Date.now() - startedMs < 25_000) {
          const pass = await deliverDueEvents({
            database: ctx.database,
            now: new Date(ctx.now.getTime() + (Date.now() - startedMs)),
            limit: 100,
            concurrency: 16,
            keys: ctx.config,
          });
          total.passes += 1;
          total.claimed += pass.claimed;
          total.delivered += pass.delivered;
          total.failed += pass.failed;
          if (pass.claimed === 0) break;
        }
        // the per-minute backstop of the after-commit contract sealer (security/seal-trigger.ts)
        const contractsSealed = await sealContracts(ctx.database, { now: ctx.now });
        return ok({ ...total, contracts_sealed: contractsSealed });
      },
    }),
  ),
  ...demoRoutes,
];
