/** Loaders and small mappers shared by the borrower handlers. */
import {
  type BusinessDate,
  type CreditLine as DomainLine,
  fenToJson,
  type Refusal,
  type Result,
  sumFen,
  summarizeLine,
} from '@fenqi/shared';
import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import { shanghaiDate, shanghaiMidnight } from '../clock';
import { type Database, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import type { RouteContext } from '../http/route';

type Reader = Database['db'] | Tx;
export type UserRow = typeof schema.users.$inferSelect;
export type LineRow = typeof schema.creditLines.$inferSelect;

/** The authenticated user's id (routes with `auth: 'user'` only). */
export function userIdOf(ctx: RouteContext<unknown, unknown>): string {
  if (ctx.principal.kind !== 'user') throw new Error('userIdOf: route is not user-authenticated');
  return ctx.principal.userId;
}

export async function loadUser(db: Reader, userId: string, opts: { lock?: boolean } = {}): Promise<UserRow> {
  const q = db.select().from(schema.users).where(eq(schema.users.id, userId));
  const [user] = opts.lock ? await q.for('update') : await q;
  // A valid token for a user that no longer exists (database reset): log in again.
  if (!user)
    throw new ApiError('authentication', 'invalid_token', 'The session does not match a user; log in again.');
  return user;
}

export async function findLine(
  db: Reader,
  userId: string,
  opts: { lock?: boolean } = {},
): Promise<LineRow | undefined> {
  const q = db.select().from(schema.creditLines).where(eq(schema.creditLines.userId, userId));
  const [line] = opts.lock ? await q.for('update') : await q;
  return line;
}

export async function requireLine(
  db: Reader,
  userId: string,
  opts: { lock?: boolean } = {},
): Promise<LineRow> {
  const line = await findLine(db, userId, opts);
  if (!line) {
    throw new ApiError(
      'business_rule',
      'credit_line_required',
      'Apply for a credit line first (POST /v1/credit/applications).',
    );
  }
  return line;
}

/** The database line (+ its unrestored T+1 restorations) as the domain sees it. */
export async function domainLine(db: Reader, line: LineRow): Promise<DomainLine> {
  // restoring_fen is the sum of the unrestored restorations: zero means there are none.
  const pending =
    line.restoringFen === 0n
      ? []
      : await db
          .select({
            amountFen: schema.pendingLimitRestorations.amountFen,
            availableOn: schema.pendingLimitRestorations.availableOn,
          })
          .from(schema.pendingLimitRestorations)
          .where(
            and(
              eq(schema.pendingLimitRestorations.creditLineId, line.id),
              isNull(schema.pendingLimitRestorations.restoredAt),
            ),
          );
  return domainLineFrom(line, pending);
}

/** The domain's credit line from the row and its unrestored restorations. */
export function domainLineFrom(
  line: LineRow,
  pending: ReadonlyArray<{ amountFen: bigint; availableOn: string }>,
): DomainLine {
  return {
    baseLimitFen: line.baseLimitFen,
    temporaryLimitFen: line.temporaryLimitFen,
    temporaryExpiresOn: line.temporaryExpiresAt ? shanghaiDate(line.temporaryExpiresAt) : null,
    temporaryRenewals: line.temporaryRenewals,
    // Repaid principal stays "used" in the domain until its restoration date.
    usedFen: line.usedFen + line.restoringFen,
    heldFen: line.heldFen,
    pendingRestorations: pending.map((p) => ({ amountFen: p.amountFen, availableOn: p.availableOn })),
    frozen: line.frozen,
  };
}

/**
 * Makes this line's matured T+1 restorations available now (the batch does the same for all
 * lines at 00:00), so what the person sees and what a draw may take agree.
 */
export async function settleLineRestorations(
  tx: Tx,
  line: LineRow,
  today: BusinessDate,
  now: Date,
): Promise<LineRow> {
  if (line.restoringFen === 0n) return line;
  const t = schema.pendingLimitRestorations;
  const matured = await tx
    .update(t)
    .set({ restoredAt: now })
    .where(and(eq(t.creditLineId, line.id), isNull(t.restoredAt), lte(t.availableOn, today)))
    .returning({ amountFen: t.amountFen });
  if (matured.length === 0) return line;
  const totalFen = sumFen(matured.map((m) => m.amountFen));
  const [updated] = await tx
    .update(schema.creditLines)
    .set({
      restoringFen: sql`${schema.creditLines.restoringFen} - ${totalFen.toString()}::bigint`,
      updatedAt: now,
    })
    .where(eq(schema.creditLines.id, line.id))
    .returning();
  return updated ?? line;
}

export async function lineView(db: Reader, line: LineRow, today: BusinessDate) {
  const s = summarizeLine(await domainLine(db, line), today);
  return {
    id: line.id,
    base_limit_amount: fenToJson(s.baseLimitFen),
    temporary_limit_amount: fenToJson(s.temporaryLimitFen),
    temporary_expires_at: s.temporaryExpiresOn ? shanghaiMidnight(s.temporaryExpiresOn).toISOString() : null,
    temporary_renewals: line.temporaryRenewals,
    used_amount: fenToJson(s.usedFen),
    held_amount: fenToJson(s.heldFen),
    available_amount: fenToJson(s.availableFen),
    frozen: s.frozen,
    currency: 'CNY' as const,
  };
}

/** A domain refusal → 422 with the domain's stable code and param. */
export function refusalError(r: Refusal): ApiError {
  return new ApiError('business_rule', r.code, r.message, r.param);
}

export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw refusalError(r as Refusal);
}

export const todayOf = (ctx: { now: Date }): BusinessDate => shanghaiDate(ctx.now);
