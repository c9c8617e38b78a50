/**
 * The set-based accrual/status sweep writes exactly what the per-loan path (`lockLoan` →
 * `persistAccrual` → `lockLoan` → `persistStatuses`, the batch before it was set-based) writes:
 * twin copies of random loans, one run through each path over the same dates, end in the same
 * fen, dates and statuses, with the same counts.
 */

import { createTestDatabase, lockLoan, type TestDatabase } from '@fenqi/db';
import { addDays } from '@fenqi/shared';
import { asc, inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistAccrual, persistStatuses } from '../../borrower/loan-state';
import { schema, type Tx, withTransaction } from '../../db';
import { chunks, sweepLoans } from '../loan-sweep';

let database: TestDatabase;
const D0 = '2026-03-02';

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db.insert(schema.users).values({ id: 'usr_sweep', openidHash: 'sweep' });
  await database.db
    .insert(schema.creditLines)
    .values({ id: 'cl_sweep', userId: 'usr_sweep', baseLimitFen: 100_000_000n });
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

const installmentArb = fc.record({
  paid: fc.constantFrom('none', 'partial', 'full'),
  graceDays: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
  penaltyFen: fc.integer({ min: 0, max: 500 }),
  stored: fc.constantFrom('pending', 'due', 'overdue'),
});

const loanArb = fc.record({
  startDaysAgo: fc.integer({ min: 0, max: 120 }),
  accruedLagDays: fc.integer({ min: 0, max: 40 }),
  principalFen: fc.integer({ min: 1_000, max: 2_000_000 }),
  status: fc.constantFrom('active', 'overdue'),
  lastCanceled: fc.boolean(),
  rate: fc.constantFrom('0.1800000000', '0.0730000000', '0.2400000000'),
  installments: fc.array(installmentArb, { minLength: 1, maxLength: 6 }),
});

type LoanShape = typeof loanArb extends fc.Arbitrary<infer T> ? T : never;

let seq = 0;

/** Inserts the same loan twice; returns the two ids. */
async function insertTwins(shape: LoanShape): Promise<[string, string]> {
  const startDate = addDays(D0, -shape.startDaysAgo);
  const accruedThrough = addDays(startDate, Math.min(shape.accruedLagDays, shape.startDaysAgo));
  const count = shape.installments.length;
  const base = BigInt(shape.principalFen) / BigInt(count);
  const ids: string[] = [];
  const n = ++seq;
  for (const twin of ['a', 'b']) {
    const loanId = `loan_sw${n}${twin}`;
    ids.push(loanId);
    await database.db.insert(schema.loans).values({
      id: loanId,
      userId: 'usr_sweep',
      creditLineId: 'cl_sweep',
      product: 'cash_loan',
      method: 'equal_installment',
      principalFen: BigInt(shape.principalFen),
      termMonths: count,
      installmentsCount: count,
      annualRate: shape.rate,
      dailyRate: '0.0004931507',
      monthlyRate: '0.0150000000',
      apr: shape.rate,
      status: shape.status as 'active' | 'overdue',
      startDate,
      accruedThrough,
    });
    await database.db.insert(schema.installments).values(
      shape.installments.map((i, k) => {
        const principalFen = base + (k === 0 ? BigInt(shape.principalFen) - base * BigInt(count) : 0n);
        const interestFen = principalFen / 50n;
        const dueDate = addDays(startDate, 30 * (k + 1));
        const canceled = shape.lastCanceled && k === count - 1 && count > 1;
        const paidPrincipalFen =
          i.paid === 'full' ? principalFen : i.paid === 'partial' ? principalFen / 2n : 0n;
        const paidInterestFen = i.paid === 'full' ? interestFen : 0n;
        return {
          id: `ins_sw${n}${twin}${k}`,
          loanId,
          number: k + 1,
          dueDate,
          principalFen,
          interestFen,
          penaltyFen: BigInt(i.penaltyFen),
          paidPrincipalFen,
          paidInterestFen,
          graceUntil: i.graceDays === null ? null : addDays(dueDate, i.graceDays),
          status: (canceled ? 'canceled' : i.paid === 'full' ? 'paid' : i.stored) as 'pending',
        };
      }),
    );
  }
  return ids as [string, string];
}

/** The batch step before it was set-based, one loan at a time. */
async function perLoanPath(tx: Tx, loanIds: readonly string[], asOf: string) {
  let accrued = 0;
  let overdue = 0;
  for (const id of loanIds) {
    const locked = await lockLoan(tx, id);
    if (!locked) continue;
    const a = await persistAccrual(tx, locked.loan, locked.installments, asOf);
    if (a.loan.accruedThrough !== locked.loan.accruedThrough) accrued++;
    const fresh = await lockLoan(tx, id);
    if (!fresh) continue;
    const loan = await persistStatuses(tx, fresh.loan, fresh.installments, asOf);
    if (loan.status === 'overdue') overdue++;
  }
  return { loans_accrued: accrued, loans_overdue: overdue };
}

async function snapshot(loanIds: readonly string[]) {
  const loans = await database.db
    .select()
    .from(schema.loans)
    .where(inArray(schema.loans.id, [...loanIds]))
    .orderBy(asc(schema.loans.id));
  const rows = await database.db
    .select()
    .from(schema.installments)
    .where(inArray(schema.installments.loanId, [...loanIds]))
    .orderBy(asc(schema.installments.loanId), asc(schema.installments.number));
  const byId = new Map(loans.map((l) => [l.id, l]));
  return loanIds
    .map((id) => byId.get(id)!)
    .map((l) => ({
      status: l.status,
      accruedThrough: l.accruedThrough,
      installments: rows
        .filter((r) => r.loanId === l.id)
        .map((r) => ({
          number: r.number,
          status: r.status,
          penaltyFen: r.penaltyFen,
          interestFen: r.interestFen,
          penaltyAccruedThrough: r.penaltyAccruedThrough,
        })),
    }));
}

describe('sweepLoans', () => {
  it('writes the same fen, dates, statuses and counts as the per-loan path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(loanArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }),
        async (shapes, steps) => {
          const twins = [];
          for (const s of shapes) twins.push(await insertTwins(s));
          const perLoanIds = twins.map((t) => t[0]);
          const sweptIds = twins.map((t) => t[1]);
          let date = D0;
          for (const step of steps) {
            date = addDays(date, step);
            const expected = await withTransaction(database, (tx) => perLoanPath(tx, perLoanIds, date));
            const actual = await withTransaction(database, async (tx) => {
              const total = { loans_accrued: 0, loans_overdue: 0 };
              // Chunks of 5 so the property also covers several chunks in one transaction.
              for (const chunk of chunks(sweptIds, 5)) {
                const c = await sweepLoans(tx, chunk, date);
                total.loans_accrued += c.loans_accrued;
                total.loans_overdue += c.loans_overdue;
              }
              return total;
            });
            expect(actual).toEqual(expected);
            expect(await snapshot(sweptIds)).toEqual(await snapshot(perLoanIds));
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it('is idempotent for a date already swept', async () => {
    const [, id] = await insertTwins({
      startDaysAgo: 90,
      accruedLagDays: 0,
      principalFen: 300_000,
      status: 'active',
      lastCanceled: false,
      rate: '0.1800000000',
      installments: [
        { paid: 'none', graceDays: null, penaltyFen: 0, stored: 'pending' },
        { paid: 'none', graceDays: 3, penaltyFen: 0, stored: 'pending' },
        { paid: 'none', graceDays: null, penaltyFen: 0, stored: 'pending' },
      ],
    });
    const first = await withTransaction(database, (tx) => sweepLoans(tx, [id], D0));
    expect(first).toEqual({ loans_accrued: 1, loans_overdue: 1 });
    const after = await snapshot([id]);
    // 60 days past the first due date at 0.05 %/day on 100,000 fen = 50 fen a day.
    expect(after[0]?.installments[0]?.penaltyFen).toBe(60n * 50n);
    const again = await withTransaction(database, (tx) => sweepLoans(tx, [id], D0));
    expect(again).toEqual({ loans_accrued: 0, loans_overdue: 1 });
    expect(await snapshot([id])).toEqual(after);
  });
});
