/** The quarterly re-evaluation: due lines only, every change recorded with reasons, high risk frozen. */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema, withTransaction } from '../../db';
import { verifyAuditChain } from '../../security/audit';
import { listCreditDecisions, runQuarterlyReview } from '../credit-review';

let database: TestDatabase;
const DAY = '2026-11-28';
const AS_OF = new Date('2026-11-27T16:00:00.000Z'); // 00:00 Asia/Shanghai on DAY
const longAgo = new Date('2026-08-29T16:00:00.000Z'); // 2026-08-30 local: exactly 90 days before DAY
const recently = new Date('2026-10-01T04:00:00.000Z');

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  const users = [
    {
      id: 'usr_up',
      openidHash: 'h1',
      creditScore: 800,
      declaredMonthlyIncomeFen: 2_000_000n,
      onTimeRepaymentsCount: 10,
    },
    {
      id: 'usr_frz',
      openidHash: 'h2',
      creditScore: 700,
      declaredMonthlyIncomeFen: 2_000_000n,
      nickname: 'frozen-x',
    },
    { id: 'usr_new', openidHash: 'h3', creditScore: 700, declaredMonthlyIncomeFen: 2_000_000n },
    { id: 'usr_low', openidHash: 'h4', creditScore: 420, declaredMonthlyIncomeFen: 2_000_000n },
  ];
  await database.db.insert(schema.users).values(users);
  await database.db.insert(schema.creditLines).values([
    { id: 'cl_up', userId: 'usr_up', baseLimitFen: 1_000_000n, evaluatedAt: longAgo },
    { id: 'cl_frz', userId: 'usr_frz', baseLimitFen: 1_000_000n, evaluatedAt: longAgo },
    { id: 'cl_new', userId: 'usr_new', baseLimitFen: 1_000_000n, evaluatedAt: recently },
    { id: 'cl_low', userId: 'usr_low', baseLimitFen: 1_000_000n, usedFen: 300_000n, evaluatedAt: longAgo },
  ]);
  await database.db
    .insert(schema.authorizations)
    .values({ userId: 'usr_up', key: 'payment_flow', granted: true });
});
afterAll(async () => {
  await database?.drop();
});

const line = (id: string) =>
  database.db
    .select()
    .from(schema.creditLines)
    .where(eq(schema.creditLines.id, id))
    .then((r) => r[0]);

describe('runQuarterlyReview', () => {
  it('reviews the lines evaluated ≥ 90 days ago, not the recent one', async () => {
    const r = await withTransaction(database, (tx) => runQuarterlyReview(tx, DAY, AS_OF));
    expect(r.reviewed).toBe(3);
    expect((await line('cl_new'))?.evaluatedAt?.toISOString()).toBe(recently.toISOString());
    expect((await line('cl_up'))?.nextReviewOn).toBe('2027-02-26');
    // run again the same day: nothing is due any more
    expect((await withTransaction(database, (tx) => runQuarterlyReview(tx, DAY, AS_OF))).reviewed).toBe(0);
  });
  it('a good record raises the line and says why', async () => {
    const l = await line('cl_up');
    expect(l?.baseLimitFen).toBeGreaterThan(1_000_000n);
    expect(l?.frozen).toBe(false);
    const d = await listCreditDecisions(database.db, 'usr_up');
    expect(d.data[0]).toMatchObject({
      kind: 'quarterly',
      change: 'increase',
      previous_limit_amount: 1_000_000,
      currency: 'CNY',
    });
    const codes = (d.data[0]?.reasons as Array<{ code: string }>).map((x) => x.code);
    expect(codes[0]).toBe('change_increase');
    expect(codes).toContain('indicator_payment_flow');
    expect(codes).toContain('indicator_social_activity_not_used');
  });
  it('a high-risk user is frozen with the flag as the reason', async () => {
    const l = await line('cl_frz');
    expect(l).toMatchObject({ frozen: true, frozenReason: 'credit_review:frozen' });
    const d = await listCreditDecisions(database.db, 'usr_frz');
    expect((d.data[0]?.reasons as Array<{ code: string }>).map((x) => x.code)).toContain('frozen_fraud_list');
  });
  it('a score below the minimum freezes the line but never below what is drawn', async () => {
    const l = await line('cl_low');
    expect(l?.frozen).toBe(true);
    expect(l?.baseLimitFen).toBeGreaterThanOrEqual(300_000n);
    const d = await listCreditDecisions(database.db, 'usr_low');
    expect((d.data[0]?.reasons as Array<{ code: string }>).map((x) => x.code)).toContain(
      'review_score_below_minimum',
    );
  });
  it('the decisions are in the audit chain, which verifies', async () => {
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });
});
