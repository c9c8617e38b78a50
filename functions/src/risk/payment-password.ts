/**
 * Payment password (交易密码): six digits the borrower sets once and then sends with every
 * borrow and checkout confirm (`payment_password`). The risk gate verifies it (gate.ts); three
 * wrong in a row switch the account to two-factor step-up (`users.mfa_required`), which only a
 * passed step-up (step-up.ts) clears.
 *
 * Storage: `users.payment_password_hash` = `scrypt$<N>$<r>$<p>$<salt b64>$<key b64>` — scrypt
 * with a random 16-byte salt per user over HMAC-SHA256(identity pepper, user id ‖ digits). The
 * pepper (a server secret, never in the database) is what protects six digits against an
 * offline search of a stolen table; scrypt adds cost. Comparison is constant-time. The digits
 * are never stored, logged, hashed into an idempotency record or put in an error message.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { newId, schema, type Tx } from '../db';
import { ApiError, rule } from '../http/errors';
import type { RouteContext, RouteResult } from '../http/route';
import { paymentPasswordError } from '../risk-gate';
import { appendAudit } from '../security/audit';
import { DEFAULT_RISK_POLICY } from './shared';
import { challengeReason, insertChallenge } from './step-up';

export const PAYMENT_PASSWORD_PATTERN = /^\d{6}$/;
/** Wrong passwords in a row that switch the account to two-factor step-up. */
export const PASSWORD_FAILURES_STEP_UP = DEFAULT_RISK_POLICY.passwordFailuresStepUp;

const SCRYPT = { N: 16_384, r: 8, p: 1, keyBytes: 32, saltBytes: 16 } as const;

function scrypt(
  secret: Buffer,
  salt: Buffer,
  p: { N: number; r: number; p: number; keyBytes: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, p.keyBytes, { N: p.N, r: p.r, p: p.p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

function peppered(config: Pick<AppConfig, 'identityPepper'>, userId: string, digits: string): Buffer {
  return createHmac('sha256', config.identityPepper)
    .update(`payment-password-v1|${userId}|${digits}`)
    .digest();
}

export async function hashPaymentPassword(
  config: Pick<AppConfig, 'identityPepper'>,
  userId: string,
  digits: string,
): Promise<string> {
  if (!PAYMENT_PASSWORD_PATTERN.test(digits)) throw new Error('payment password: six digits');
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scrypt(peppered(config, userId, digits), salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check of `digits` against a stored hash; false for anything malformed. */
export async function verifyPaymentPassword(
  config: Pick<AppConfig, 'identityPepper'>,
  userId: string,
  digits: string,
  stored: string,
): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < SCRYPT.saltBytes || expected.length < SCRYPT.keyBytes) return false;
  // Always run scrypt (also for a malformed candidate) so timing does not tell them apart.
  const candidate = PAYMENT_PASSWORD_PATTERN.test(digits) ? digits : '';
  const actual = await scrypt(peppered(config, userId, candidate), salt, {
    N,
    r,
    p,
    keyBytes: expected.length,
  });
  return timingSafeEqual(actual, expected) && candidate !== '';
}

/** Six equal digits or a run up/down (000000, 123456, 654321): refused as too easy to guess. */
export function isTooSimple(digits: string): boolean {
  const d = [...digits].map(Number);
  const step = (k: number) => d.every((x, i) => i === 0 || x === ((((d[i - 1] ?? 0) + k) % 10) + 10) % 10);
  return step(0) || step(1) || step(-1);
}

/**
 * Records one payment-password attempt for the 3-strikes rule (`login_attempts` kind
 * `password`, subject = user id, no device id) and keeps `users.failed_password_count` /
 * `mfa_required` in step: wrong → +1, and at 3 the switch to step-up; right → 0. The fixed
 * `id` makes a repeated write (request transaction, then its detached copy) a no-op: returns
 * null then. Otherwise the failure count after this attempt.
 */
export async function recordPasswordAttempt(
  tx: Tx,
  a: { id: string; userId: string; ok: boolean; now: Date },
): Promise<{ failedCount: number } | null> {
  const inserted = await tx
    .insert(schema.loginAttempts)
    .values({ id: a.id, subject: a.userId, kind: 'password', success: a.ok, createdAt: a.now })
    .onConflictDoNothing()
    .returning({ id: schema.loginAttempts.id });
  if (inserted.length === 0) return null;
  const u = schema.users;
  const [row] = await tx
    .update(u)
    .set(
      a.ok
        ? { failedPasswordCount: 0, updatedAt: a.now }
        : {
            failedPasswordCount: sql`${u.failedPasswordCount} + 1`,
            // Old values on the right-hand side: the count after this attempt reaching 3.
            mfaRequired: sql`${u.mfaRequired} or ${u.failedPasswordCount} + 1 >= ${PASSWORD_FAILURES_STEP_UP}`,
            updatedAt: a.now,
          },
    )
    .where(eq(u.id, a.userId))
    .returning({ failed: u.failedPasswordCount });
  return { failedCount: row?.failed ?? 0 };
}

export function attemptsRemaining(failedCount: number): number {
  return Math.max(0, PASSWORD_FAILURES_STEP_UP - failedCount);
}

// ---------------------------------------------------------------------------------------
// PUT /v1/me/payment-password

export interface PaymentPasswordBody {
  password: string;
  current_password?: string | undefined;
}

export async function setPaymentPasswordHandler(
  ctx: RouteContext<PaymentPasswordBody>,
): Promise<RouteResult> {
  if (ctx.principal.kind !== 'user') throw new Error('payment password: route is not user-authenticated');
  const userId = ctx.principal.userId;
  const { password, current_password: current } = ctx.body;
  if (isTooSimple(password))
    throw rule(
      'payment_password_too_simple',
      'Choose six digits that are not all the same or a simple run such as 123456.',
      'password',
    );
  return ctx.transaction(async (tx) => {
    const u = schema.users;
    const [user] = await tx
      .select({ hash: u.paymentPasswordHash, failed: u.failedPasswordCount, mfa: u.mfaRequired })
      .from(u)
      .where(eq(u.id, userId))
      .for('update');
    if (!user) throw new ApiError('not_found', 'user_not_found', 'No such user.');
    const changing = user.hash !== null;
    if (user.hash !== null) {
      // Locked by 3 wrong passwords: no more guesses of the current one until a step-up passes.
      if (user.mfa || user.failed >= PASSWORD_FAILURES_STEP_UP) {
        const challengeId = newId('stp');
        await insertChallenge(tx, {
          id: challengeId,
          userId,
          reason: challengeReason('payment_password_failures', 'payment_password_change', ctx.idempotencyKey),
          now: ctx.now,
        });
        throw new ApiError(
          'permission',
          'step_up_required',
          `${PASSWORD_FAILURES_STEP_UP} wrong payment passwords in a row: two-factor verification required`,
          undefined,
          {
            commitWrites: true,
            details: { step_up: { challenge_id: challengeId, rule: 'payment_password_failures' } },
          },
        );
      }
      if (current === undefined)
        throw paymentPasswordError('payment_password_required', 'current_password', 0);
      const ok = await verifyPaymentPassword(ctx.config, userId, current, user.hash);
      const recorded = await recordPasswordAttempt(tx, { id: newId('lga'), userId, ok, now: ctx.now });
      if (!ok)
        throw paymentPasswordError(
          'payment_password_incorrect',
          'current_password',
          attemptsRemaining(recorded?.failedCount ?? user.failed + 1),
        );
    }
    const hash = await hashPaymentPassword(ctx.config, userId, password);
    await tx.update(u).set({ paymentPasswordHash: hash, updatedAt: ctx.now }).where(eq(u.id, userId));
    await appendAudit(tx, {
      actorType: 'user',
      actorId: userId,
      action: changing ? 'payment_password.changed' : 'payment_password.set',
      subjectType: 'user',
      subjectId: userId,
      requestId: ctx.requestId,
      at: ctx.now,
    });
    return {
      status: 200,
      body: { object: 'payment_password', set: true, updated_at: ctx.now.toISOString() },
    };
  });
}
