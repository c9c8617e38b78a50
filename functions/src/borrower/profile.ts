/** GET /v1/me, the data authorisations and the education quiz. */
import {
  DATA_AUTHORIZATIONS,
  findAuthorization,
  gradeQuiz,
  HEALTH_BLOCK_BELOW,
  healthBand,
  publicQuiz,
  QUIZ_PASS_MIN,
} from '@fenqi/shared';
import { and, eq, sql } from 'drizzle-orm';
import { newId, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import type { RouteContext } from '../http/route';
import { findLine, lineView, loadUser, todayOf, unwrap, userIdOf } from './common';
import { computeHealth } from './health';

type Ctx<B = unknown, Q = unknown> = RouteContext<B, Q>;

export async function getMe(ctx: Ctx) {
  const userId = userIdOf(ctx);
  const db = ctx.database.db;
  const user = await loadUser(db, userId);
  const line = await findLine(db, userId);
  const health = await computeHealth(db, user, 0n);
  return {
    id: user.id,
    nickname: user.nickname,
    tier: user.tier,
    credit_score: user.creditScore,
    status: user.status,
    monthly_income: user.declaredMonthlyIncomeFen === null ? null : Number(user.declaredMonthlyIncomeFen),
    currency: 'CNY',
    health_score: health.score,
    education_passed: user.educationPassedAt !== null,
    health: {
      score: health.score,
      band: healthBand(health.score),
      can_borrow: health.score >= HEALTH_BLOCK_BELOW,
      lessons_offered: health.score < HEALTH_BLOCK_BELOW,
      factors: health.factors,
    },
    education: {
      passed: user.educationPassedAt !== null,
      passed_at: user.educationPassedAt?.toISOString() ?? null,
      required_before_first_loan: true,
    },
    credit_line: line ? await lineView(db, line, todayOf(ctx)) : null,
    authorizations: await authorizationList(db, userId),
    mfa_required: user.mfaRequired,
    payment_password_set: user.paymentPasswordHash !== null,
  };
}

// ---------------------------------------------------------------------------------------
// authorisations (the 22 switchable ones; all default off — data minimisation)

async function authorizationList(db: Ctx['database']['db'] | Tx, userId: string) {
  const rows = await db.select().from(schema.authorizations).where(eq(schema.authorizations.userId, userId));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return DATA_AUTHORIZATIONS.map((a) => authorizationView(a.key, byKey.get(a.key)));
}

function authorizationView(key: string, row: typeof schema.authorizations.$inferSelect | undefined) {
  const a = findAuthorization(key);
  if (!a) throw new Error('authorizationView: unknown key');
  return {
    key: a.key,
    name: a.nameZh,
    purpose: a.purposeZh,
    purpose_en: a.purpose,
    granted: row?.granted ?? false,
    essential: false,
    updated_at: row?.updatedAt?.toISOString() ?? null,
  };
}

export async function listAuthorizations(ctx: Ctx) {
  return { data: await authorizationList(ctx.database.db, userIdOf(ctx)), has_more: false };
}

function requireKey(key: string) {
  if (!findAuthorization(key))
    throw new ApiError('not_found', 'authorization_not_found', `No authorisation '${key}'.`, 'key');
}

export async function getAuthorization(ctx: Ctx) {
  const key = ctx.params.key as string;
  requireKey(key);
  const [row] = await ctx.database.db
    .select()
    .from(schema.authorizations)
    .where(and(eq(schema.authorizations.userId, userIdOf(ctx)), eq(schema.authorizations.key, key)));
  return authorizationView(key, row);
}

/** Switching takes effect at once: every use site reads this table in its own request. */
export async function putAuthorization(ctx: Ctx<{ granted: boolean }>) {
  const key = ctx.params.key as string;
  requireKey(key);
  const userId = userIdOf(ctx);
  const granted = ctx.body.granted;
  return ctx.transaction(async (tx) => {
    await loadUser(tx, userId);
    await setAuthorization(tx, { userId, key, granted, now: ctx.now, context: 'settings' });
    const [row] = await tx
      .select()
      .from(schema.authorizations)
      .where(and(eq(schema.authorizations.userId, userId), eq(schema.authorizations.key, key)));
    return authorizationView(key, row);
  });
}

/** Upserts one authorisation and appends the consent evidence. */
export async function setAuthorization(
  tx: Tx,
  a: { userId: string; key: string; granted: boolean; now: Date; context: string },
) {
  await tx
    .insert(schema.authorizations)
    .values({
      userId: a.userId,
      key: a.key,
      granted: a.granted,
      grantedAt: a.granted ? a.now : null,
      revokedAt: a.granted ? null : a.now,
      updatedAt: a.now,
    })
    .onConflictDoUpdate({
      target: [schema.authorizations.userId, schema.authorizations.key],
      set: {
        granted: a.granted,
        grantedAt: a.granted ? a.now : sql`${schema.authorizations.grantedAt}`,
        revokedAt: a.granted ? null : a.now,
        updatedAt: a.now,
      },
    });
  await tx.insert(schema.consents).values({
    id: newId('cns'),
    userId: a.userId,
    key: a.key,
    granted: a.granted,
    context: a.context,
    createdAt: a.now,
  });
}

/** Whether a user has granted a switchable authorisation (for use sites). */
export async function isAuthorized(
  db: Ctx['database']['db'] | Tx,
  userId: string,
  key: string,
): Promise<boolean> {
  const [row] = await db
    .select({ granted: schema.authorizations.granted })
    .from(schema.authorizations)
    .where(and(eq(schema.authorizations.userId, userId), eq(schema.authorizations.key, key)));
  return row?.granted ?? false;
}

// ---------------------------------------------------------------------------------------
// education quiz (graded on the server; pass required before the first loan)

export async function getQuiz(ctx: Ctx) {
  const user = await loadUser(ctx.database.db, userIdOf(ctx));
  return {
    video: { title: '借贷风险教育', duration_seconds: 300, url: null },
    pass_min: QUIZ_PASS_MIN,
    passed: user.educationPassedAt !== null,
    questions: publicQuiz(),
  };
}

export async function submitQuiz(ctx: Ctx<{ answers: { question_id: string; option_id: string }[] }>) {
  const userId = userIdOf(ctx);
  const graded = unwrap(
    gradeQuiz(ctx.body.answers.map((a) => ({ questionId: a.question_id, optionId: a.option_id }))),
  );
  return ctx.transaction(async (tx) => {
    const user = await loadUser(tx, userId, { lock: true });
    await tx.insert(schema.educationAttempts).values({
      id: newId('edu'),
      userId,
      answers: ctx.body.answers,
      score: graded.score,
      passed: graded.passed,
      createdAt: ctx.now,
    });
    if (graded.passed && user.educationPassedAt === null) {
      await tx
        .update(schema.users)
        .set({ educationPassedAt: ctx.now, updatedAt: ctx.now })
        .where(eq(schema.users.id, userId));
    }
    return {
      passed: graded.passed,
      score: graded.score,
      pass_min: QUIZ_PASS_MIN,
      education_passed: graded.passed || user.educationPassedAt !== null,
      results: graded.results.map((r) => ({
        question_id: r.questionId,
        correct: r.correct,
        correct_option_id: r.correctOptionId,
        explanation: r.explanation,
      })),
    };
  });
}
