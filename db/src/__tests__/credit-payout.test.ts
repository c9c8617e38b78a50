/**
 * Credit balances of closed loans go back to the borrower (simulator bug 2): PGlite always,
 * PostgreSQL (Neon driver) when FENQI_TEST_PG_URL is set.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverTestUrl, type TestDatabase, withTransaction } from '../client';
import { createUserWithLine, simpleSchedule } from '../fixtures';
import { accountBalance } from '../ledger';
import { applyRepayment, borrowLoan, loansWithCreditToPayOut, payOutCreditBalance } from '../money-movement';
import { creditPayouts, ledgerPostings, loans, outboxEvents } from '../schema';
import { verifyInvariants } from '../verify';

const NOW = new Date('2026-11-28T02:00:00Z');
const KINDS: Array<'pglite' | 'server'> = serverTestUrl() ? ['pglite', 'server'] : ['pglite'];
if (!serverTestUrl()) console.warn('[db] credit payout on PostgreSQL SKIPPED: FENQI_TEST_PG_URL is not set');

describe.each(KINDS)('credit balance payout on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A one-installment loan of 100,000 fen + 1,000 interest, repaid with `amountFen`. */
  async function loanRepaidWith(
    amountFen: bigint,
    allocatedPrincipalFen: bigint,
    allocatedInterestFen: bigint,
  ) {
    const { userId, creditLineId } = await createUserWithLine(database.db, {
      baseLimitFen: 500_000n,
      now: NOW,
    });
    const borrowed = await withTransaction(database, (tx) =>
      borrowLoan(tx, {
        loan: {
          userId,
          creditLineId,
          product: 'cash_loan',
          method: 'single_payment',
          principalFen: 100_000n,
          termMonths: 1,
          annualRate: '0.1825',
          dailyRate: '0.0005',
          monthlyRate: '0.015208',
          apr: '0.1825',
          status: 'active',
          startDate: '2026-11-28',
        },
        schedule: simpleSchedule({
          principalFen: 100_000n,
          count: 1,
          interestFen: 1_000n,
          firstDueDate: '2026-12-28',
        }),
        now: NOW,
      }),
    );
    if (!borrowed.ok) throw new Error(borrowed.code);
    const { loanId } = borrowed.value;
    const allocated = allocatedPrincipalFen + allocatedInterestFen;
    const repaid = await withTransaction(database, (tx) =>
      applyRepayment(tx, {
        loanId,
        amountFen,
        source: 'user',
        kind: 'amount',
        allocations:
          allocated > 0n
            ? [
                {
                  installmentNumber: 1,
                  principalFen: allocatedPrincipalFen,
                  interestFen: allocatedInterestFen,
                  feeFen: 0n,
                  penaltyFen: 0n,
                },
              ]
            : [],
        toCreditBalanceFen: amountFen - allocated,
        now: NOW,
      }),
    );
    if (!repaid.ok) throw new Error(repaid.code);
    return { userId, loanId };
  }

  async function loanRow(loanId: string) {
    const [row] = await database.db.select().from(loans).where(eq(loans.id, loanId));
    return row!;
  }

  it('pays a paid-off loan’s credit balance out exactly once; an active loan keeps its balance', async () => {
    const closed = await loanRepaidWith(101_333n, 100_000n, 1_000n);
    const active = await loanRepaidWith(250n, 0n, 0n);
    expect((await loanRow(closed.loanId)).status).toBe('paid_off');
    expect((await loanRow(active.loanId)).status).toBe('active');
    const userCredit = (userId: string) =>
      accountBalance(database.db, { code: 'user_credit_balance', ownerId: userId });
    expect(await userCredit(closed.userId)).toBe(-333n);

    // The sweep's selection: the closed loan, never the active one.
    const due = await loansWithCreditToPayOut(database.db);
    expect(due).toContain(closed.loanId);
    expect(due).not.toContain(active.loanId);

    const first = await withTransaction(database, (tx) =>
      payOutCreditBalance(tx, { loanId: closed.loanId, now: NOW }),
    );
    expect(first.ok && first.value.payout?.amountFen).toBe(333n);
    const second = await withTransaction(database, (tx) =>
      payOutCreditBalance(tx, { loanId: closed.loanId, now: NOW }),
    );
    expect(second).toEqual({ ok: true, value: { payout: null } });

    expect((await loanRow(closed.loanId)).creditBalanceFen).toBe(0n);
    expect(await userCredit(closed.userId)).toBe(0n);
    const payouts = await database.db
      .select()
      .from(creditPayouts)
      .where(eq(creditPayouts.loanId, closed.loanId));
    expect(payouts.map((p) => [p.userId, p.amountFen])).toEqual([[closed.userId, 333n]]);
    const postings = await database.db
      .select({ amountFen: ledgerPostings.amountFen })
      .from(ledgerPostings)
      .where(eq(ledgerPostings.transactionId, payouts[0]!.ledgerTransactionId));
    expect(postings.map((p) => p.amountFen).sort()).toEqual([-333n, 333n]);
    const events = await database.db
      .select()
      .from(outboxEvents)
      .where(
        sql`${outboxEvents.type} = 'credit_balance.paid_out' and ${outboxEvents.userId} = ${closed.userId}`,
      );
    expect(events).toHaveLength(1);
    expect(await loansWithCreditToPayOut(database.db)).not.toContain(closed.loanId);

    // An active loan: refused, nothing written.
    const refused = await withTransaction(database, (tx) =>
      payOutCreditBalance(tx, { loanId: active.loanId, now: NOW }),
    );
    expect(refused).toEqual({ ok: false, code: 'loan_not_closed' });
    expect((await loanRow(active.loanId)).creditBalanceFen).toBe(250n);
    expect(await userCredit(active.userId)).toBe(-250n);

    expect(await verifyInvariants(database)).toEqual([]);
  });

  it('payouts are append-only and the invariant catches a balance cleared without a payout', async () => {
    const closed = await loanRepaidWith(101_100n, 100_000n, 1_000n);
    await withTransaction(database, (tx) => payOutCreditBalance(tx, { loanId: closed.loanId, now: NOW }));
    await expect(database.db.update(creditPayouts).set({ amountFen: 1n })).rejects.toThrow();
    await database.db.update(loans).set({ creditBalanceFen: 100n }).where(eq(loans.id, closed.loanId));
    const violations = await verifyInvariants(database);
    expect(violations.map((v) => [v.invariant, v.subject])).toContainEqual([
      'loan_credit_balance',
      closed.loanId,
    ]);
    await database.db.update(loans).set({ creditBalanceFen: 0n }).where(eq(loans.id, closed.loanId));
    expect(await verifyInvariants(database)).toEqual([]);
  });
});
