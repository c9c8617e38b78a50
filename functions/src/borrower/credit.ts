/** Credit applications, the credit line, temporary increases, products and quotes. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  APR_BANDS,
  annualToDaily,
  annualToMonthly,
  CONSUMER_CAP_FEN,
  type CreditLine as DomainLine,
  decideCredit,
  quote as domainQuote,
  fenToJson,
  grantTemporaryIncrease,
  minFen,
  PRODUCTS,
  type ProductCode,
  priceAnnualRate,
  type Quote,
  type RepaymentMethod,
  type RepaymentProof,
  rateToWire,
  renewTemporaryIncrease,
  SERVICE_FEE_OPTIONS,
  subtractFen,
  summarizeLine,
  type Tier,
  toWireQuote,
} from '@fenqi/shared';
import { eq } from 'drizzle-orm';
import { shanghaiMidnight } from '../clock';
import type { AppConfig } from '../config';
import { newId, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import type { RouteContext } from '../http/route';
import { creditScorer } from './bureau';
import {
  domainLine,
  domainLineFrom,
  findLine,
  lineView,
  loadUser,
  requireLine,
  settleLineRestorations,
  todayOf,
  type UserRow,
  unwrap,
  userIdOf,
} from './common';
import { computeHealth } from './health';
import { runBorrowerHooks } from './hooks';
import { disclosureBlock } from './institution';
import { setAuthorization } from './profile';
import { lineRequired, loadSnapshot } from './snapshot';

type Ctx<B = unknown, Q = unknown> = RouteContext<B, Q>;

/** Consents without which no line can be granted (not switchable). */
export const ESSENTIAL_CONSENTS = ['privacy_policy', 'credit_assessment', 'identity_verification'] as const;

// ---------------------------------------------------------------------------------------
// application

export interface ApplicationBody {
  monthly_income: number;
  consents: string[];
}

export async function applyForCredit(ctx: Ctx<ApplicationBody>) {
  const userId = userIdOf(ctx);
  const incomeFen = BigInt(ctx.body.monthly_income);
  const consents = new Set(ctx.body.consents);
  const missing = ESSENTIAL_CONSENTS.find((c) => !consents.has(c));
  if (missing) {
    throw new ApiError(
      'business_rule',
      'consent_required',
      `The consent '${missing}' is required to evaluate credit.`,
      'consents',
    );
  }
  return ctx.transaction(async (tx) => {
    const user = await loadUser(tx, userId, { lock: true });
    if (await findLine(tx, userId)) {
      throw new ApiError('business_rule', 'credit_line_exists', 'You already have a credit line.');
    }
    for (const key of consents) await setAuthorizationOrConsent(tx, { userId, key, now: ctx.now });
    await tx
      .update(schema.users)
      .set({ declaredMonthlyIncomeFen: incomeFen, updatedAt: ctx.now })
      .where(eq(schema.users.id, userId));
    const updatedUser: UserRow = { ...user, declaredMonthlyIncomeFen: incomeFen };
    const scored = await creditScorer()({ tx, user: updatedUser, config: ctx.config, now: ctx.now });
    const health = await computeHealth(tx, updatedUser, 0n);
    const decision = decideCredit({
      monthlyIncomeFen: incomeFen,
      creditScore: scored.creditScore,
      isNewUser: scored.isNewUser,
      healthScore: health.score,
      highRisk: scored.highRisk || user.status === 'frozen',
    });
    if (decision.status === 'declined') {
      await tx
        .update(schema.users)
        .set({ healthScore: health.score, updatedAt: ctx.now })
        .where(eq(schema.users.id, userId));
      return {
        status: 'declined',
        decline_code: decision.declineCode,
        reasons: [...scored.reasons, ...decision.reasons],
      };
    }
    const lineId = newId('cl');
    await tx.insert(schema.creditLines).values({
      id: lineId,
      userId,
      baseLimitFen: decision.baseLimitFen,
      creditScore: scored.creditScore,
      evaluation: {
        policy: 'decideCredit',
        credit_score: scored.creditScore,
        tier: decision.tier,
        health_score: health.score,
      },
      evaluatedAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    await tx
      .update(schema.users)
      .set({
        tier: decision.tier,
        creditScore: scored.creditScore,
        healthScore: health.score,
        updatedAt: ctx.now,
      })
      .where(eq(schema.users.id, userId));
    await runBorrowerHooks('credit_approved', {
      tx,
      config: ctx.config,
      now: ctx.now,
      userId,
      creditLineId: lineId,
    });
    const [line] = await tx.select().from(schema.creditLines).where(eq(schema.creditLines.id, lineId));
    if (!line) throw new Error('applyForCredit: line vanished');
    return {
      status: 'approved',
      tier: decision.tier,
      credit_score: scored.creditScore,
      apr_range: { min: rateToWire(decision.aprBand.min), max: rateToWire(decision.aprBand.max) },
      annual_rate: rateToWire(decision.annualRate),
      credit_line: await lineView(tx, line, todayOf(ctx)),
      reasons: [...scored.reasons, ...decision.reasons],
    };
  });
}

async function setAuthorizationOrConsent(tx: Tx, a: { userId: string; key: string; now: Date }) {
  if ((ESSENTIAL_CONSENTS as readonly string[]).includes(a.key)) {
    await tx.insert(schema.consents).values({
      id: newId('cns'),
      userId: a.userId,
      key: a.key,
      granted: true,
      context: 'credit_application',
      createdAt: a.now,
    });
  } else {
    await setAuthorization(tx, {
      userId: a.userId,
      key: a.key,
      granted: true,
      now: a.now,
      context: 'credit_application',
    });
  }
}

export async function getCreditLine(ctx: Ctx) {
  const userId = userIdOf(ctx);
  const line = await requireLine(ctx.database.db, userId).catch(() => {
    throw new ApiError('not_found', 'credit_line_not_found', 'You have no credit line yet; apply first.');
  });
  return lineView(ctx.database.db, line, todayOf(ctx));
}

// ---------------------------------------------------------------------------------------
// temporary increases

export interface TemporaryBody {
  amount?: number;
  renew?: boolean;
  event?: string;
  proof: { type: 'payslip' | 'bank_flow' | 'asset'; reference: string };
}

export async function requestTemporaryIncrease(ctx: Ctx<TemporaryBody>) {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  const { body } = ctx;
  if (!body.renew && body.amount === undefined) {
    throw new ApiError(
      'invalid_request',
      'missing_field',
      "Give 'amount', or 'renew': true to renew the active increase.",
      'amount',
    );
  }
  const proof: RepaymentProof = {
    kind: body.proof.type === 'asset' ? 'asset_proof' : 'payslip_flow',
    reference: body.proof.reference,
  };
  return ctx.transaction(async (tx) => {
    const row = await settleLineRestorations(
      tx,
      await requireLine(tx, userId, { lock: true }),
      today,
      ctx.now,
    );
    const line: DomainLine = await domainLine(tx, row);
    const next = body.renew
      ? unwrap(renewTemporaryIncrease(line, { proof, asOf: today }))
      : unwrap(grantTemporaryIncrease(line, { amountFen: BigInt(body.amount ?? 0), proof, asOf: today }));
    if (!next.temporaryExpiresOn) throw new Error('temporary increase without expiry');
    const expiresAt = shanghaiMidnight(next.temporaryExpiresOn);
    await tx
      .update(schema.creditLines)
      .set({
        temporaryLimitFen: next.temporaryLimitFen,
        temporaryExpiresAt: expiresAt,
        temporaryRenewals: next.temporaryRenewals,
        updatedAt: ctx.now,
      })
      .where(eq(schema.creditLines.id, row.id));
    const id = newId('tmp');
    await tx.insert(schema.temporaryIncreases).values({
      id,
      creditLineId: row.id,
      userId,
      amountFen: next.temporaryLimitFen,
      event: body.event ?? null,
      proofType: body.proof.type,
      proofReference: body.proof.reference,
      status: body.renew ? 'renewed' : 'approved',
      startsAt: ctx.now,
      expiresAt,
      createdAt: ctx.now,
    });
    const [updated] = await tx.select().from(schema.creditLines).where(eq(schema.creditLines.id, row.id));
    return {
      id,
      status: body.renew ? 'renewed' : 'approved',
      amount: fenToJson(next.temporaryLimitFen),
      currency: 'CNY',
      expires_at: expiresAt.toISOString(),
      renewals_used: next.temporaryRenewals,
      proof: { type: body.proof.type, recorded: true },
      credit_line: await lineView(tx, updated ?? row, today),
    };
  });
}

// ---------------------------------------------------------------------------------------
// products

export async function listProducts(ctx: Ctx) {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  const { user, line, pendingRestorations, consumerOpenPrincipalFen } = await loadSnapshot(
    ctx.database.db,
    userId,
  );
  const available = line ? summarizeLine(domainLineFrom(line, pendingRestorations), today).availableFen : 0n;
  const consumerRoom = subtractFen(CONSUMER_CAP_FEN, consumerOpenPrincipalFen);
  const tier: Tier = user.tier;
  const data = (Object.keys(PRODUCTS) as ProductCode[]).map((code) => {
    const p = PRODUCTS[code];
    const longest =
      p.termMonths.length > 0 ? { months: Math.max(...p.termMonths) } : { days: p.termDays?.max ?? 30 };
    const annual =
      line && user.creditScore !== null
        ? priceAnnualRate({ product: code, tier, creditScore: user.creditScore, term: longest })
        : null;
    let maxFen = minFen(p.principalFenMax, available);
    if (p.audience === 'consumer') maxFen = minFen(maxFen, consumerRoom);
    return {
      code,
      name: p.nameZh,
      audience: p.audience,
      currency: 'CNY',
      min_amount: fenToJson(p.principalFenMin),
      max_amount: fenToJson(p.principalFenMax),
      your_max_amount: fenToJson(maxFen < 0n ? 0n : maxFen),
      eligible: line !== undefined && !line.frozen && maxFen >= p.principalFenMin,
      term_months: p.termMonths,
      term_days: p.termDays,
      methods: { monthly: p.monthlyMethods, days: p.dayMethods },
      interest_free: p.interestFree,
      service_fee_options: p.serviceFeeOption
        ? Object.entries(SERVICE_FEE_OPTIONS).map(([n, r]) => ({
            installments: Number(n),
            total_fee_rate: rateToWire(r),
          }))
        : [],
      payee: p.payee,
      // Price for the longest term without fees (APR = nominal then); quotes price every term exactly.
      price: annual
        ? {
            apr: rateToWire(annual),
            monthly_rate: rateToWire(annualToMonthly(annual)),
            daily_rate: rateToWire(annualToDaily(annual)),
            for_term: longest,
          }
        : null,
      apr_range: { min: rateToWire(APR_BANDS[tier].min), max: rateToWire(APR_BANDS[tier].max) },
    };
  });
  return { data, has_more: false, disclosure: disclosureBlock() };
}

// ---------------------------------------------------------------------------------------
// quotes (stateless: the id is a signed token of the parameters, so quoting writes nothing)

export interface QuoteBody {
  product: ProductCode;
  principal_amount: number;
  term_months?: number;
  term_days?: number;
  method: RepaymentMethod;
  with_service_fee?: boolean;
  scene?: string;
}

export const QUOTE_TTL_MS = 30 * 60 * 1000;

interface QuoteClaims {
  u: string;
  b: QuoteBody;
  apr: string;
  exp: number;
}

export function signQuoteId(config: AppConfig, claims: QuoteClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', config.sessionSecret).update(`quote.${payload}`).digest('base64url');
  return `qt_${payload}.${sig}`;
}

export function verifyQuoteId(config: AppConfig, id: string, userId: string, now: Date): QuoteClaims {
  const invalid = () =>
    new ApiError('business_rule', 'quote_invalid', 'This quote is not valid; ask for a new one.', 'quote_id');
  const m = /^qt_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(id);
  if (!m) throw invalid();
  const expected = createHmac('sha256', config.sessionSecret).update(`quote.${m[1]}`).digest();
  const given = Buffer.from(m[2] ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const claims = JSON.parse(Buffer.from(m[1] ?? '', 'base64url').toString('utf8')) as QuoteClaims;
  if (claims.u !== userId) throw invalid();
  if (claims.exp * 1000 <= now.getTime())
    throw new ApiError(
      'business_rule',
      'quote_expired',
      'This quote has expired; ask for a new one.',
      'quote_id',
    );
  return claims;
}

export interface PricedQuote {
  quote: Quote;
  tier: Tier;
}

/** Prices `body` for the user (domain `quote`); refusals become 422 with their param. */
export function priceFor(
  user: UserRow,
  body: QuoteBody,
  startDate: string,
  existingConsumerPrincipalFen: bigint,
): Quote {
  if (user.creditScore === null) {
    throw new ApiError(
      'business_rule',
      'credit_line_required',
      'Apply for a credit line first (POST /v1/credit/applications).',
    );
  }
  return unwrap(
    domainQuote({
      product: body.product,
      principalFen: BigInt(body.principal_amount),
      ...(body.term_months !== undefined ? { termMonths: body.term_months } : {}),
      ...(body.term_days !== undefined ? { termDays: body.term_days } : {}),
      method: body.method,
      startDate,
      tier: user.tier,
      creditScore: user.creditScore,
      ...(body.scene !== undefined ? { sceneCategory: body.scene } : {}),
      ...(body.with_service_fee !== undefined ? { withServiceFee: body.with_service_fee } : {}),
      existingConsumerPrincipalFen,
    }),
  );
}

export function quoteWire(q: Quote) {
  return {
    ...toWireQuote(q.schedule, q.disclosure),
    product: q.product,
    fee_rate: q.fee ? rateToWire(q.fee.rate) : '0',
  };
}

export async function createQuote(ctx: Ctx<QuoteBody>) {
  const userId = userIdOf(ctx);
  const today = todayOf(ctx);
  // One round trip: the user, the line, its restorations and the consumer-cap principal.
  const snap = await loadSnapshot(ctx.database.db, userId);
  if (!snap.line) throw lineRequired();
  const q = priceFor(snap.user, ctx.body, today, snap.consumerOpenPrincipalFen);
  const available = summarizeLine(domainLineFrom(snap.line, snap.pendingRestorations), today).availableFen;
  const wire = quoteWire(q);
  const expiresAt = new Date(ctx.now.getTime() + QUOTE_TTL_MS);
  const id = signQuoteId(ctx.config, {
    u: userId,
    b: ctx.body,
    apr: wire.apr,
    exp: Math.floor(expiresAt.getTime() / 1000),
  });
  return {
    id,
    object: 'quote',
    expires_at: expiresAt.toISOString(),
    ...(ctx.body.term_months !== undefined
      ? { term_months: ctx.body.term_months }
      : { term_days: ctx.body.term_days }),
    ...wire,
    available_amount: fenToJson(available),
    within_available: q.schedule.principalFen <= available,
    disclosure: disclosureBlock(),
  };
}
