/**
 * Second verification (二次验证 / 多维认证) raised by risk control.
 *
 * Two factors, both required:
 * 1. a one-time code sent to the user (production adapter: SMS to the phone in the identity
 *    vault through the SMS gateway; dev/test: shown by `GET /v1/risk/step-up/{id}`);
 * 2. a device confirmation: a code shown on a device the user has used before (production
 *    adapter: WeChat face verification 人脸核身 or a push to the trusted device; dev/test:
 *    shown by the same GET), sent back with that device's id.
 * Codes are HMAC-derived from a server key and the challenge id (nothing secret stored),
 * compared in constant time; 5 wrong tries fail the challenge; challenges live 10 minutes.
 *
 * A passed challenge is bound to the Idempotency-Key of the request that raised it (stored
 * hashed): retrying that same request passes the gate exactly once — the idempotency record
 * makes any further retry a replay. A passed challenge also trusts the user's other requests
 * for 15 minutes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, newId, schema, type Tx } from '../db';

export const STEP_UP_TTL_MS = 10 * 60 * 1000;
export const STEP_UP_TRUST_MS = 15 * 60 * 1000;
export const STEP_UP_MAX_FAILURES = 5;
export const STEP_UP_FACTORS = ['one_time_code', 'device_confirmation'] as const;

function stepUpKey(config: Pick<AppConfig, 'sessionSecret'>): Buffer {
  return createHmac('sha256', config.sessionSecret).update('fenqi-step-up-v1').digest();
}

function sixDigits(key: Buffer, label: string): string {
  const mac = createHmac('sha256', key).update(label).digest();
  return String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

export function oneTimeCode(config: Pick<AppConfig, 'sessionSecret'>, challengeId: string): string {
  return sixDigits(stepUpKey(config), `otp|${challengeId}`);
}

export function deviceCode(
  config: Pick<AppConfig, 'sessionSecret'>,
  challengeId: string,
  deviceId: string,
): string {
  return sixDigits(stepUpKey(config), `device|${challengeId}|${deviceId}`);
}

export function keyHash(idempotencyKey: string | undefined): string {
  return idempotencyKey ? createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32) : '-';
}

/** `reason` column layout: `<rule>|<action>|<idempotency key hash or ->`. */
export function challengeReason(rule: string, action: string, idempotencyKey: string | undefined): string {
  return `${rule}|${action}|${keyHash(idempotencyKey)}`;
}

export async function insertChallenge(
  tx: Tx,
  c: { id: string; userId: string; reason: string; now: Date },
): Promise<void> {
  await tx.insert(schema.stepUpChallenges).values({
    id: c.id,
    userId: c.userId,
    reason: c.reason,
    factorsRequired: STEP_UP_FACTORS.length,
    factorsPassed: [],
    status: 'pending',
    expiresAt: new Date(c.now.getTime() + STEP_UP_TTL_MS),
    createdAt: c.now,
  });
}

/** Whether a completed step-up covers this request (bound to its key, or recent). */
export async function stepUpSatisfied(
  db: Database['db'] | Tx,
  userId: string,
  idempotencyKey: string | undefined,
  now: Date,
): Promise<boolean> {
  const t = schema.stepUpChallenges;
  const rows = await db
    .select({ reason: t.reason, completedAt: t.completedAt })
    .from(t)
    .where(
      and(
        eq(t.userId, userId),
        eq(t.status, 'passed'),
        gt(t.completedAt, new Date(now.getTime() - 48 * 3600 * 1000)),
      ),
    )
    .orderBy(desc(t.completedAt))
    .limit(50);
  const kh = keyHash(idempotencyKey);
  return rows.some(
    (r) =>
      (kh !== '-' && r.reason.endsWith(`|${kh}`)) ||
      (r.completedAt !== null && now.getTime() - r.completedAt.getTime() <= STEP_UP_TRUST_MS),
  );
}

/** Devices the user has used (risk events of their own requests, and session logins by user id). */
export async function knownDevices(
  db: Database['db'] | Tx,
  userId: string,
  before: Date,
): Promise<Set<string>> {
  const ev = await db
    .select({ details: schema.riskEvents.details })
    .from(schema.riskEvents)
    .where(and(eq(schema.riskEvents.userId, userId), lt(schema.riskEvents.createdAt, before)))
    .orderBy(desc(schema.riskEvents.createdAt))
    .limit(200);
  const la = await db
    .selectDistinct({ d: schema.loginAttempts.deviceId })
    .from(schema.loginAttempts)
    .where(and(eq(schema.loginAttempts.subject, userId), eq(schema.loginAttempts.success, true)))
    .limit(100);
  const out = new Set<string>();
  for (const r of ev) {
    const d = (r.details as { device_id?: unknown }).device_id;
    if (typeof d === 'string') out.add(d);
  }
  for (const r of la) if (r.d) out.add(r.d);
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type StepUpOutcome =
  | { ok: true; challengeId: string; status: 'passed' }
  | {
      ok: false;
      code:
        | 'step_up_not_found'
        | 'step_up_expired'
        | 'step_up_failed'
        | 'step_up_already_passed'
        | 'step_up_code_invalid'
        | 'step_up_device_unknown';
      message: string;
      remaining?: number;
    };

/**
 * Verifies both factors. On success: challenge passed, the 3-strikes counter reset, a risk
 * event recorded. Wrong codes are counted (returned as a refusal; the caller commits).
 */
export async function completeStepUp(
  tx: Tx,
  config: Pick<AppConfig, 'sessionSecret'>,
  args: {
    userId: string;
    challengeId: string;
    otpCode: string;
    deviceId: string;
    deviceCode: string;
    now: Date;
  },
): Promise<StepUpOutcome> {
  const t = schema.stepUpChallenges;
  const [c] = await tx
    .select()
    .from(t)
    .where(and(eq(t.id, args.challengeId), eq(t.userId, args.userId)))
    .for('update');
  if (!c) return { ok: false, code: 'step_up_not_found', message: 'No such verification for this user.' };
  if (c.status === 'passed')
    return {
      ok: false,
      code: 'step_up_already_passed',
      message: 'This verification is already complete; retry the original request.',
    };
  if (c.status === 'failed')
    return {
      ok: false,
      code: 'step_up_failed',
      message: 'Too many wrong codes; start the request again for a new verification.',
    };
  if (c.status === 'expired' || c.expiresAt.getTime() <= args.now.getTime()) {
    await tx.update(t).set({ status: 'expired' }).where(eq(t.id, c.id));
    return {
      ok: false,
      code: 'step_up_expired',
      message: 'The verification expired; start the request again.',
    };
  }
  const known = await knownDevices(tx, args.userId, c.createdAt);
  const deviceKnown = known.size === 0 || known.has(args.deviceId);
  const otpOk = safeEqual(args.otpCode, oneTimeCode(config, c.id));
  const devOk = safeEqual(args.deviceCode, deviceCode(config, c.id, args.deviceId));
  if (!otpOk || !devOk || !deviceKnown) {
    await tx.insert(schema.loginAttempts).values({
      id: newId('lga'),
      subject: c.id,
      kind: 'step_up',
      success: false,
      deviceId: args.deviceId,
      createdAt: args.now,
    });
    const [n] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.loginAttempts)
      .where(
        and(
          eq(schema.loginAttempts.subject, c.id),
          eq(schema.loginAttempts.kind, 'step_up'),
          eq(schema.loginAttempts.success, false),
        ),
      );
    const failures = Number(n?.n ?? 0);
    if (failures >= STEP_UP_MAX_FAILURES) {
      await tx.update(t).set({ status: 'failed', completedAt: args.now }).where(eq(t.id, c.id));
      return {
        ok: false,
        code: 'step_up_failed',
        message: 'Too many wrong codes; start the request again for a new verification.',
      };
    }
    if (!deviceKnown)
      return {
        ok: false,
        code: 'step_up_device_unknown',
        message: 'Confirm on a device you have used before.',
        remaining: STEP_UP_MAX_FAILURES - failures,
      };
    return {
      ok: false,
      code: 'step_up_code_invalid',
      message: 'A code is wrong.',
      remaining: STEP_UP_MAX_FAILURES - failures,
    };
  }
  await tx
    .update(t)
    .set({ status: 'passed', factorsPassed: [...STEP_UP_FACTORS], completedAt: args.now })
    .where(eq(t.id, c.id));
  await tx
    .update(schema.users)
    .set({ failedPasswordCount: 0, mfaRequired: false, updatedAt: args.now })
    .where(eq(schema.users.id, args.userId));
  await tx.insert(schema.loginAttempts).values({
    id: newId('lga'),
    subject: args.userId,
    kind: 'step_up',
    success: true,
    deviceId: args.deviceId,
    createdAt: args.now,
  });
  await tx.insert(schema.riskEvents).values({
    id: newId('rsk'),
    userId: args.userId,
    kind: 'step_up_passed',
    severity: 'low',
    action: 'none',
    details: { challenge_id: c.id, rule: c.reason.split('|')[0] ?? '', device_id: args.deviceId },
    createdAt: args.now,
  });
  return { ok: true, challengeId: c.id, status: 'passed' };
}
