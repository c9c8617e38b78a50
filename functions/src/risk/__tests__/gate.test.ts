/**
 * The gate on a database: three wrong payment passwords switch to two-factor step-up and a
 * passed step-up clears it; a freeze persists even though the request rolls back; contacts
 * are delivered only inside the allowed hours.
 */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { loadConfig } from '@fenqi/functions';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, schema, withTransaction } from '../../db';
import { deliverDueContacts } from '../collections-job';
import { settleRiskWrites } from '../detached';
import { evaluateGate } from '../gate';
import { completeStepUp, deviceCode, oneTimeCode } from '../step-up';

let database: TestDatabase;
const config = loadConfig({ FENQI_MODE: 'test' });
const NOW = new Date('2026-11-28T04:00:00.000Z'); // 12:00 Asia/Shanghai

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db.insert(schema.users).values([
    { id: 'usr_pw', openidHash: 'h1' },
    { id: 'usr_fz', openidHash: 'h2' },
  ]);
  await database.db
    .insert(schema.creditLines)
    .values({ id: 'cl_fz', userId: 'usr_fz', baseLimitFen: 10_000_000n });
  await database.db.insert(schema.loans).values({
    id: 'loan_fz0',
    userId: 'usr_fz',
    creditLineId: 'cl_fz',
    product: 'cash_loan',
    method: 'equal_installment',
    principalFen: 100_000n,
    installmentsCount: 0,
    annualRate: '0.18',
    dailyRate: '0.000493',
    monthlyRate: '0.015',
    apr: '0.18',
    status: 'paid_off',
    startDate: '2026-11-01',
    createdAt: new Date(NOW.getTime() - 20 * 86_400_000),
  });
});
afterAll(async () => {
  await settleRiskWrites();
  await database?.drop();
});

const gate = (userId: string, amountFen: bigint, now: Date, idempotencyKey: string) =>
  withTransaction(database, (tx) =>
    evaluateGate(
      { action: 'borrow', userId, amountFen, now, requestId: 'req_t', idempotencyKey },
      { tx, database, config },
    ),
  );

describe('payment password failures', () => {
  it('2 wrong → allow; 3 wrong → step_up; a passed step-up clears it for that request', async () => {
    const wrong = (minutesAgo: number) =>
      database.db.insert(schema.loginAttempts).values({
        id: newId('lga'),
        subject: 'usr_pw',
        kind: 'password',
        success: false,
        createdAt: new Date(NOW.getTime() - minutesAgo * 60_000),
      });
    await wrong(30);
    await wrong(20);
    expect((await gate('usr_pw', 10_000n, NOW, 'k1')).decision).toBe('allow');
    await wrong(10);
    const d = await gate('usr_pw', 10_000n, NOW, 'k2');
    expect(d).toMatchObject({ decision: 'step_up', rule: 'payment_password_failures' });
    const challengeId = (d as { challengeId: string }).challengeId;
    await settleRiskWrites();
    const later = new Date(NOW.getTime() + 60_000);
    const done = await withTransaction(database, (tx) =>
      completeStepUp(tx, config, {
        userId: 'usr_pw',
        challengeId,
        otpCode: oneTimeCode(config, challengeId),
        deviceId: 'dev-x',
        deviceCode: deviceCode(config, challengeId, 'dev-x'),
        now: later,
      }),
    );
    expect(done).toMatchObject({ ok: true, status: 'passed' });
    expect((await gate('usr_pw', 10_000n, later, 'k2')).decision).toBe('allow');
    // the passed step-up also ends the run of wrong passwords
    expect((await gate('usr_pw', 10_000n, new Date(NOW.getTime() + 3600_000), 'k3')).decision).toBe('allow');
  });
});

describe('freeze', () => {
  it('an extreme withdrawal freezes the account and line, and it stays frozen after a rollback', async () => {
    await expect(
      withTransaction(database, async (tx) => {
        const d = await evaluateGate(
          {
            action: 'borrow',
            userId: 'usr_fz',
            amountFen: 6_000_000n,
            now: NOW,
            requestId: 'req_f',
            idempotencyKey: 'kf',
          },
          { tx, database, config },
        );
        expect(d).toMatchObject({ decision: 'freeze', rule: 'extreme_withdrawal' });
        throw new Error('the caller refuses: rollback');
      }),
    ).rejects.toThrow('rollback');
    await settleRiskWrites();
    const [u] = await database.db.select().from(schema.users).where(eq(schema.users.id, 'usr_fz'));
    const [l] = await database.db.select().from(schema.creditLines).where(eq(schema.creditLines.id, 'cl_fz'));
    expect(u?.status).toBe('frozen');
    expect(l).toMatchObject({ frozen: true, frozenReason: 'risk:extreme_withdrawal' });
    const events = await database.db
      .select()
      .from(schema.riskEvents)
      .where(eq(schema.riskEvents.userId, 'usr_fz'));
    expect(events.map((e) => [e.action, e.severity])).toEqual([['freeze', 'high']]);
    expect(await gate('usr_fz', 10_000n, new Date(NOW.getTime() + 60_000), 'kg')).toMatchObject({
      decision: 'freeze',
      rule: 'account_frozen',
    });
  });
});

describe('contact delivery', () => {
  it('sends due contacts inside the allowed hours only, each once', async () => {
    const at = new Date('2026-11-28T02:00:00.000Z'); // 10:00 local
    await database.db.insert(schema.collectionContacts).values({
      id: 'col_1',
      userId: 'usr_pw',
      channel: 'wechat',
      kind: 'reminder',
      contactDate: '2026-11-28',
      scheduledAt: at,
    });
    expect(await deliverDueContacts(database, new Date('2026-11-27T23:30:00.000Z'))).toBe(0); // 07:30 local
    expect(await deliverDueContacts(database, new Date('2026-11-28T12:30:00.000Z'))).toBe(0); // 20:30 local
    expect(await deliverDueContacts(database, new Date('2026-11-28T02:05:00.000Z'))).toBe(1);
    expect(await deliverDueContacts(database, new Date('2026-11-28T02:10:00.000Z'))).toBe(0);
    const [c] = await database.db
      .select()
      .from(schema.collectionContacts)
      .where(eq(schema.collectionContacts.id, 'col_1'));
    expect(c?.outcome).toBe('dev_recorded');
  });
});
