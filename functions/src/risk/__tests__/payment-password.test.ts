/**
 * Payment password storage and the gate's 3-strikes lock: hashes verify only the right digits
 * (salted, peppered, malformed records refused); simple passwords are exactly the 30 runs; a
 * step-up passed BEFORE the wrong passwords (trusted 15 minutes for other requests) does not
 * lift the lock, and while locked no password is compared.
 */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { loadConfig } from '@fenqi/functions';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, schema, withTransaction } from '../../db';
import { settleRiskWrites } from '../detached';
import { evaluateGate } from '../gate';
import { hashPaymentPassword, isTooSimple, verifyPaymentPassword } from '../payment-password';

const config = loadConfig({ FENQI_MODE: 'test' });
const NOW = new Date('2026-11-28T04:00:00.000Z');

describe('hash and verify', () => {
  it('verifies the right digits only; salted per hash; bound to the pepper and the user', async () => {
    const stored = await hashPaymentPassword(config, 'usr_a', '583920');
    expect(stored.startsWith('scrypt$')).toBe(true);
    expect(stored).not.toContain('583920');
    expect(await verifyPaymentPassword(config, 'usr_a', '583920', stored)).toBe(true);
    for (const wrong of ['583921', '000000', '58392', '5839200', 'abcdef', ''])
      expect(await verifyPaymentPassword(config, 'usr_a', wrong, stored)).toBe(false);
    expect(await hashPaymentPassword(config, 'usr_a', '583920')).not.toBe(stored);
    expect(await verifyPaymentPassword(config, 'usr_b', '583920', stored)).toBe(false);
    const otherPepper = { identityPepper: 'another-server-secret-of-32-bytes!!' };
    expect(await verifyPaymentPassword(otherPepper, 'usr_a', '583920', stored)).toBe(false);
    for (const broken of [
      '',
      'scrypt$1$2',
      'bcrypt$16384$8$1$AAAA$BBBB',
      'scrypt$16384$8$1$$BBBB',
      stored.slice(0, -8),
    ])
      expect(await verifyPaymentPassword(config, 'usr_a', '583920', broken)).toBe(false);
  });

  it('simple passwords are exactly the 30 repeated or consecutive runs (all 10^6 checked)', () => {
    const simple: string[] = [];
    for (let n = 0; n < 1_000_000; n++) {
      const d = String(n).padStart(6, '0');
      if (isTooSimple(d)) simple.push(d);
    }
    expect(simple).toHaveLength(30);
    for (const s of ['000000', '999999', '123456', '012345', '890123', '654321', '210987'])
      expect(simple).toContain(s);
    for (const s of ['739152', '112233', '121212', '135790']) expect(simple).not.toContain(s);
  });
});

describe('the 3-strikes lock in the gate', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await settleRiskWrites();
    await database?.drop();
  });

  const gate = (
    userId: string,
    now: Date,
    paymentPassword: string | undefined,
    idempotencyKey = newId('k'),
  ) =>
    withTransaction(database, (tx) =>
      evaluateGate(
        {
          action: 'borrow',
          userId,
          amountFen: 10_000n,
          now,
          requestId: 'req_t',
          idempotencyKey,
          ...(paymentPassword === undefined ? {} : { paymentPassword }),
        },
        { tx, database, config },
      ),
    );

  it('a step-up passed before the wrong passwords does not lift the lock; while locked nothing is compared', async () => {
    const userId = 'usr_lock';
    await database.db.insert(schema.users).values({
      id: userId,
      openidHash: 'h-lock',
      paymentPasswordHash: await hashPaymentPassword(config, userId, '739152'),
    });
    // A step-up passed 2 minutes ago for another reason: trusted for 15 minutes.
    await database.db.insert(schema.stepUpChallenges).values({
      id: 'stp_earlier',
      userId,
      reason: 'multi_device_login|borrow|-',
      factorsRequired: 2,
      factorsPassed: ['one_time_code', 'device_confirmation'],
      status: 'passed',
      expiresAt: new Date(NOW.getTime() + 60_000),
      createdAt: new Date(NOW.getTime() - 180_000),
      completedAt: new Date(NOW.getTime() - 120_000),
    });
    expect(await gate(userId, NOW, undefined)).toMatchObject({
      decision: 'payment_password',
      code: 'payment_password_required',
    });
    for (const [i, wrong] of ['111112', '222223', '333334'].entries()) {
      // 61 s apart: out of each other's attempt-velocity burst window.
      const at = new Date(NOW.getTime() + (i + 1) * 61_000);
      expect(await gate(userId, at, wrong)).toMatchObject({
        decision: 'payment_password',
        code: 'payment_password_incorrect',
        attemptsRemaining: 2 - i,
      });
      await settleRiskWrites();
    }
    const [locked] = await database.db.select().from(schema.users).where(eq(schema.users.id, userId));
    expect(locked).toMatchObject({ failedPasswordCount: 3, mfaRequired: true });
    // Still inside the 15-minute trust of the earlier step-up, and the right password: step-up.
    const later = new Date(NOW.getTime() + 4 * 61_000);
    expect(await gate(userId, later, '739152')).toMatchObject({
      decision: 'step_up',
      rule: 'payment_password_failures',
    });
    await settleRiskWrites();
    const attempts = await database.db
      .select()
      .from(schema.loginAttempts)
      .where(eq(schema.loginAttempts.subject, userId));
    expect(attempts).toHaveLength(3);
  });
});
