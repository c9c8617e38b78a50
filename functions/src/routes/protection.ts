/**
 * Risk step-up, credit-decision explanations, vault approvals and contract evidence — the
 * protection area's HTTP surface. Importing this module also registers the area's risk gate,
 * credit scorer, borrower hooks and daily-batch steps (functions/src/risk/register.ts).
 */
import { z } from 'zod';
import { payoutDepsOf } from '../borrower/loans';
import { ApiError } from '../http/errors';
import { defineRoute, ok, type Route, type RouteContext } from '../http/route';
import { listCreditDecisions } from '../risk/credit-review';
import { acceptExtension, extensionOffer } from '../risk/hardship';
import '../risk/register';
import { and, desc, eq, ne } from 'drizzle-orm';
import { schema } from '../db';
import { setPaymentPasswordHandler } from '../risk/payment-password';
import { completeStepUp, deviceCode, oneTimeCode, STEP_UP_FACTORS } from '../risk/step-up';
import { decideVaultAccess, readVaultWithApproval, requestVaultAccess } from '../security/approvals';
import { verifyAuditChain } from '../security/audit';
import { evidenceKey, verifyContractChain } from '../security/contracts';
import { authenticateStaff } from '../security/staff';
import { keyringFrom, VAULT_FIELDS } from '../security/vault';

const userIdOf = (ctx: RouteContext<unknown, unknown>): string => {
  if (ctx.principal.kind !== 'user') throw new Error('protection: route is not user-authenticated');
  return ctx.principal.userId;
};

const code6 = z.string().regex(/^\d{6}$/, { message: 'six digits' });
const deviceIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);
const idParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);

const stepUpBody = z.strictObject({
  challenge_id: idParam.describe('The challenge_id from the step_up_required error'),
  otp_code: code6.describe(
    'Factor 1: the one-time code sent to the user (dev/test: see GET /v1/risk/step-up/{id})',
  ),
  device_id: deviceIdSchema.describe('Factor 2: the device confirming (a device the user has used before)'),
  device_code: code6.describe('Factor 2: the code shown on that device'),
});

const vaultRequestBody = z.strictObject({
  user_id: idParam,
  purpose: z.string().min(3).max(200),
  fields: z
    .array(z.enum(VAULT_FIELDS as unknown as [string, ...string[]]))
    .min(1)
    .max(VAULT_FIELDS.length),
});
const vaultDecisionBody = z.strictObject({
  decision: z.enum(['approved', 'rejected']),
  note: z.string().max(500).optional(),
});

function challengeView(c: typeof schema.stepUpChallenges.$inferSelect) {
  return {
    id: c.id,
    object: 'step_up_challenge',
    status: c.status,
    rule: c.reason.split('|')[0] ?? null,
    factors_required: [...STEP_UP_FACTORS],
    factors_passed: c.factorsPassed,
    expires_at: c.expiresAt.toISOString(),
    completed_at: c.completedAt?.toISOString() ?? null,
  };
}

const paymentPasswordBody = z.strictObject({
  password: code6.describe('The new six-digit payment password (交易密码)'),
  current_password: code6
    .optional()
    .describe(
      'The current payment password; required when one is set (a wrong one counts as a wrong attempt)',
    ),
});

export const protectionRoutes: Route[] = [
  defineRoute({
    method: 'PUT',
    path: '/v1/me/payment-password',
    operationId: 'setPaymentPassword',
    summary:
      'Set or change the payment password (交易密码) that borrowing and checkout confirmation then require; 3 wrong in a row switch to two-factor verification',
    tags: ['risk'],
    auth: 'user',
    body: paymentPasswordBody,
    handler: (ctx) => setPaymentPasswordHandler(ctx),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/risk/step-up/:id',
    operationId: 'getStepUpChallenge',
    summary:
      'A second-verification challenge; in dev/test it also shows the codes the adapters would deliver',
    tags: ['risk'],
    auth: 'user',
    query: z.strictObject({ device_id: deviceIdSchema.optional() }),
    handler: async (ctx) => {
      const userId = userIdOf(ctx);
      const id = ctx.params.id as string;
      const [c] = await ctx.database.db
        .select()
        .from(schema.stepUpChallenges)
        .where(and(eq(schema.stepUpChallenges.id, id), eq(schema.stepUpChallenges.userId, userId)));
      if (!c) throw new ApiError('not_found', 'step_up_not_found', 'No such verification.', 'id');
      const dev =
        ctx.config.mode !== 'production' && c.status === 'pending'
          ? {
              dev_delivery: {
                note: 'dev/test only: what the SMS and device-confirmation adapters would deliver',
                otp_code: oneTimeCode(ctx.config, c.id),
                ...(ctx.query.device_id
                  ? {
                      device_id: ctx.query.device_id,
                      device_code: deviceCode(ctx.config, c.id, ctx.query.device_id),
                    }
                  : {}),
              },
            }
          : {};
      return ok({ ...challengeView(c), ...dev });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/risk/step-up',
    operationId: 'completeStepUp',
    summary:
      'Complete a second verification (one-time code + device confirmation); then retry the original request with the same Idempotency-Key',
    tags: ['risk'],
    auth: 'user',
    body: stepUpBody,
    handler: async (ctx) => {
      const userId = userIdOf(ctx);
      const outcome = await ctx.transaction((tx) =>
        completeStepUp(tx, ctx.config, {
          userId,
          challengeId: ctx.body.challenge_id,
          otpCode: ctx.body.otp_code,
          deviceId: ctx.body.device_id,
          deviceCode: ctx.body.device_code,
          now: ctx.now,
        }),
      );
      if (!outcome.ok) {
        if (outcome.code === 'step_up_not_found')
          throw new ApiError('not_found', outcome.code, outcome.message, 'challenge_id');
        const param =
          outcome.code === 'step_up_device_unknown'
            ? 'device_id'
            : outcome.code === 'step_up_code_invalid'
              ? 'otp_code'
              : 'challenge_id';
        throw new ApiError(
          'business_rule',
          outcome.code,
          outcome.message,
          param,
          outcome.remaining !== undefined ? { details: { attempts_remaining: outcome.remaining } } : {},
        );
      }
      return ok({
        id: outcome.challengeId,
        object: 'step_up_challenge',
        status: 'passed',
        next_action: 'Retry the original request with the same Idempotency-Key and body; it will run once.',
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/loans/:id/extension-offer',
    operationId: 'getExtensionOffer',
    summary: 'Hardship (展期): the extension options for an overdue loan, penalty waived',
    tags: ['loans'],
    auth: 'user',
    handler: async (ctx) =>
      ok(
        await ctx.transaction((tx) =>
          extensionOffer(tx, {
            userId: userIdOf(ctx),
            loanId: ctx.params.id as string,
            now: ctx.now,
            deps: payoutDepsOf(ctx),
          }),
        ),
      ),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/loans/:id/extension',
    operationId: 'acceptExtension',
    summary:
      'Hardship (展期): accept an extension — the unpaid principal re-amortised over 3, 6 or 12 months, penalty waived',
    tags: ['loans'],
    auth: 'user',
    idempotent: 'required',
    body: z.strictObject({ months: z.union([z.literal(3), z.literal(6), z.literal(12)]) }),
    handler: async (ctx) =>
      ok(
        await ctx.transaction((tx) =>
          acceptExtension(tx, {
            userId: userIdOf(ctx),
            loanId: ctx.params.id as string,
            months: ctx.body.months,
            now: ctx.now,
            requestId: ctx.requestId,
            deps: payoutDepsOf(ctx),
          }),
        ),
      ),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/risk/decisions',
    operationId: 'listRiskDecisions',
    summary:
      'Why: the automated risk decisions that stopped or questioned the user’s requests, with the rule and reason',
    tags: ['risk'],
    auth: 'user',
    handler: async (ctx) => {
      const rows = await ctx.database.db
        .select()
        .from(schema.riskEvents)
        .where(and(eq(schema.riskEvents.userId, userIdOf(ctx)), ne(schema.riskEvents.action, 'none')))
        .orderBy(desc(schema.riskEvents.createdAt))
        .limit(100);
      return ok({
        data: rows.map((r) => {
          const d = r.details as {
            action?: string;
            decision?: string;
            rule?: string;
            fired?: Array<{ rule: string; reason: string }>;
          };
          return {
            id: r.id,
            object: 'risk_decision',
            request_action: d.action ?? null,
            decision: d.decision ?? r.action,
            rule: d.rule ?? null,
            reasons: (d.fired ?? []).map((f) => ({ rule: f.rule, reason: f.reason })),
            created_at: r.createdAt.toISOString(),
          };
        }),
        has_more: false,
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/credit/decisions',
    operationId: 'listCreditDecisions',
    summary: 'Why: every automated credit decision about the user with its reasons (PIPL art. 24)',
    tags: ['credit'],
    auth: 'user',
    handler: async (ctx) => ok(await listCreditDecisions(ctx.database.db, userIdOf(ctx))),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/admin/evidence/verify',
    operationId: 'verifyEvidence',
    summary: 'Staff: verify the contract and audit hash chains; names every altered record',
    tags: ['admin'],
    auth: 'none',
    handler: async (ctx) => {
      const staffId = authenticateStaff(ctx.headers, ctx.config);
      // read-only: contracts not sealed yet are checked (hash, signature) and counted in
      // `pending`; one pending past the sealing deadline is a problem (`unsealed`)
      const contracts = await verifyContractChain(ctx.database.db, evidenceKey(ctx.config), {
        now: ctx.now,
      });
      const audit = await verifyAuditChain(ctx.database.db);
      void staffId;
      return ok({
        ok: contracts.ok && audit.ok,
        verified_at: ctx.now.toISOString(),
        chains: [contracts, audit],
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/admin/vault/requests',
    operationId: 'requestVaultAccess',
    summary: 'Staff: ask to read a user’s real identity values (needs four approvals by others)',
    tags: ['admin'],
    auth: 'none',
    body: vaultRequestBody,
    successStatus: 201,
    handler: async (ctx) => {
      const staffId = authenticateStaff(ctx.headers, ctx.config);
      const r = await ctx
        .transaction((tx) =>
          requestVaultAccess(tx, {
            userId: ctx.body.user_id,
            requestedBy: staffId,
            purpose: ctx.body.purpose,
            fields: ctx.body.fields as (typeof VAULT_FIELDS)[number][],
            now: ctx.now,
            requestId: ctx.requestId,
          }),
        )
        .catch((err: unknown) => {
          if ((err as { cause?: { code?: string } })?.cause?.code === '23503')
            throw new ApiError('not_found', 'user_not_found', 'No such user.', 'user_id');
          throw err;
        });
      return {
        status: 201,
        body: {
          id: r.id,
          object: 'vault_access_request',
          status: 'pending',
          levels_required: 4,
          expires_at: r.expiresAt.toISOString(),
        },
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/admin/vault/requests/:id/approvals',
    operationId: 'decideVaultAccess',
    summary: 'Staff: approve (next level) or reject a vault access request',
    tags: ['admin'],
    auth: 'none',
    body: vaultDecisionBody,
    handler: async (ctx) => {
      const staffId = authenticateStaff(ctx.headers, ctx.config);
      const r = await ctx.transaction((tx) =>
        decideVaultAccess(tx, {
          requestId: ctx.params.id as string,
          approver: staffId,
          decision: ctx.body.decision,
          ...(ctx.body.note ? { note: ctx.body.note } : {}),
          now: ctx.now,
          httpRequestId: ctx.requestId,
        }),
      );
      if (!r.ok) {
        if (r.code === 'vault_request_not_found') throw new ApiError('not_found', r.code, r.message, 'id');
        throw new ApiError(
          r.code === 'vault_self_approval' || r.code === 'vault_duplicate_approver'
            ? 'permission'
            : 'business_rule',
          r.code,
          r.message,
        );
      }
      return ok({
        id: ctx.params.id,
        object: 'vault_access_request',
        level: r.value.level,
        status: r.value.status,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/admin/vault/requests/:id/read',
    operationId: 'readVault',
    summary: 'Staff: the requester reads the approved fields, once (audited)',
    tags: ['admin'],
    auth: 'none',
    handler: async (ctx) => {
      const staffId = authenticateStaff(ctx.headers, ctx.config);
      const keyring = keyringFrom(ctx.config);
      const r = await ctx.transaction((tx) =>
        readVaultWithApproval(tx, keyring, {
          requestId: ctx.params.id as string,
          staffId,
          now: ctx.now,
          httpRequestId: ctx.requestId,
        }),
      );
      if (!r.ok) {
        if (r.code === 'vault_request_not_found') throw new ApiError('not_found', r.code, r.message, 'id');
        throw new ApiError('permission', r.code, r.message);
      }
      return ok({ object: 'vault_read', user_id: r.value.userId, fields: r.value.fields });
    },
  }),
];
