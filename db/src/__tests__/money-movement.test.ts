/**
 * Ledger and money movement on PGlite (one in-memory instance for the file). Concurrency is
 * tested against the real server in tests/db/ — PGlite runs transactions one at a time.
 */
import { eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverTestUrl, type TestDatabase, withTransaction } from '../client';
import { createUserWithLine, simpleSchedule } from '../fixtures';
import { newId } from '../ids';
import {
  accountBalance,
  compactPostings,
  LedgerError,
  type PostingInput,
  postLedgerTransaction,
  systemAccount,
  transfer,
  unbalancedCurrencies,
} from '../ledger';
import {
  applyRepayment,
  availableFen,
  borrowLoan,
  borrowOnce,
  cancelLoan,
  captureHold,
  createLoan,
  disburseLoan,
  IdempotentRejection,
  installmentRemaining,
  type LoanInput,
  lockLoan,
  placeHold,
  refundCheckout,
  releaseHold,
  restoreLimits,
  runIdempotent,
} from '../money-movement';
import { checkouts, creditLines, idempotencyRecords, installments, loans, merchants } from '../schema';
import { verifyInvariants } from '../verify';

const NOW = new Date('2026-11-28T02:00:00Z');
let database: TestDatabase;

/** The same primitives on every driver: PGlite always, PostgreSQL (Neon driver) when available. */
const KINDS: Array<'pglite' | 'server'> = serverTestUrl() ? ['pglite', 'server'] : ['pglite'];
if (!serverTestUrl()) console.warn('[db] money-movement on PostgreSQL SKIPPED: FENQI_TEST_PG_URL is not set');

/** The database's own message (drizzle wraps it in `Failed query: …`). */
function rootMessage(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return String(e?.message ?? 'no error');
}

function loanInput(
  userId: string,
  creditLineId: string,
  principalFen: bigint,
  over: Partial<LoanInput> = {},
): LoanInput {
  return {
    userId,
    creditLineId,
    product: 'cash_loan',
    method: 'equal_principal',
    principalFen,
    termMonths: 3,
    annualRate: '0.1825',
    dailyRate: '0.0005',
    monthlyRate: '0.015208',
    apr: '0.1825',
    status: 'active',
    startDate: '2026-11-28',
    ...over,
  };
}

async function line(id: string) {
  const [row] = await database.db.select().from(creditLines).where(eq(creditLines.id, id));
  return row!;
}

describe('ledger postings (pure)', () => {
  it('transfer always balances and compacting keeps the sum', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), (amountFen) => {
        const postings = transfer(systemAccount('bank'), systemAccount('fee_income'), amountFen);
        expect(unbalancedCurrencies(postings)).toEqual([]);
        expect(compactPostings([...postings, ...postings]).reduce((s, p) => s + p.amountFen, 0n)).toBe(0n);
      }),
    );
  });

  it('reports the currency and amount that do not balance', () => {
    const postings: PostingInput[] = [
      { account: systemAccount('bank'), amountFen: 100n },
      { account: systemAccount('fee_income'), amountFen: -99n },
    ];
    expect(unbalancedCurrencies(postings)).toEqual([{ currency: 'CNY', sumFen: 1n }]);
  });
});

describe.each(KINDS)('on %s', (kind) => {
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  describe('ledger in the database', () => {
    it('refuses an unbalanced transaction in code', async () => {
      await expect(
        withTransaction(database, (tx) =>
          postLedgerTransaction(tx, {
            kind: 'test',
            effectiveAt: NOW,
            postings: [
              { account: systemAccount('bank'), amountFen: 100n },
              { account: systemAccount('fee_income'), amountFen: -90n },
            ],
          }),
        ),
      ).rejects.toBeInstanceOf(LedgerError);
    });

    it('the database refuses to commit postings that do not sum to zero', async () => {
      const before = await accountBalance(database.db, systemAccount('bank'));
      await withTransaction(database, (tx) =>
        postLedgerTransaction(tx, {
          kind: 'test_seed',
          effectiveAt: NOW,
          postings: transfer(systemAccount('bank'), systemAccount('fee_income'), 500n),
        }),
      );
      await expect(
        withTransaction(database, async (tx) => {
          await tx.execute(sql`insert into ledger_transactions (id, kind, external_id, effective_at)
            values ('ltx_unbalanced', 'test', 'ltx_unbalanced', now())`);
          await tx.execute(sql`insert into ledger_postings (transaction_id, account_id, currency, amount_fen)
            values ('ltx_unbalanced', 'acct_bank.system.CNY', 'CNY', 700)`);
        }),
      ).rejects.toSatisfy((e) => /unbalanced/.test(rootMessage(e)));
      const rows = await database.db.execute(
        sql`select id from ledger_transactions where id = 'ltx_unbalanced'`,
      );
      expect((rows as { rows: unknown[] }).rows).toHaveLength(0);
      expect(await accountBalance(database.db, systemAccount('bank'))).toBe(before + 500n);
    });

    it('a posting to an account that does not exist cannot commit', async () => {
      const error = await withTransaction(database, async (tx) => {
        await tx.execute(sql`insert into ledger_transactions (id, kind, external_id, effective_at)
          values ('ltx_ghost', 'test', 'ltx_ghost', now())`);
        await tx.execute(sql`insert into ledger_postings (transaction_id, account_id, currency, amount_fen)
          values ('ltx_ghost', 'acct_bank.system.CNY', 'CNY', 10), ('ltx_ghost', 'acct_nowhere.system.CNY', 'CNY', -10)`);
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(rootMessage(error)).toMatch(/does not match account|missing/);
      const error2 = await database.db.execute(sql`delete from ledger_accounts`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(rootMessage(error2)).toMatch(/append-only/);
    });

    it('postings, transactions and allocations are append-only', async () => {
      const attempts = [
        sql`update ledger_postings set amount_fen = amount_fen + 1`,
        sql`delete from ledger_postings`,
        sql`truncate ledger_postings cascade`,
        sql`update ledger_transactions set kind = 'x'`,
        sql`delete from repayment_allocations`,
      ];
      for (const statement of attempts) {
        const error = await database.db.execute(statement).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(rootMessage(error)).toMatch(/append-only/);
      }
    });
  });

  describe('borrow, repay, restore', () => {
    it('a draw beyond the available amount is refused and writes nothing', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });
      const result = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 100_001n),
          schedule: simpleSchedule({ principalFen: 100_001n, count: 3, firstDueDate: '2026-12-28' }),
          now: NOW,
        }),
      );
      expect(result).toEqual({ ok: false, code: 'credit_limit_exceeded' });
      expect((await line(creditLineId)).usedFen).toBe(0n);
    });

    it('a booked loan comes back as written: the rows equal a read-back, field for field', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 500_000n,
        now: NOW,
      });
      const result = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 120_000n),
          schedule: simpleSchedule({ principalFen: 120_000n, count: 12, firstDueDate: '2026-12-28' }),
          now: NOW,
        }),
      );
      if (!result.ok) throw new Error(`refused: ${result.code}`);
      const [stored] = await database.db.select().from(loans).where(eq(loans.id, result.value.loanId));
      const schedule = await database.db
        .select()
        .from(installments)
        .where(eq(installments.loanId, result.value.loanId))
        .orderBy(installments.number);
      expect(result.value.rows.loan).toEqual(stored);
      expect(result.value.rows.installments).toEqual(schedule);
      expect(result.value.rows.installments.map((i) => i.number)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      ]);
    });

    it('a frozen line cannot be drawn', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });
      await database.db.update(creditLines).set({ frozen: true }).where(eq(creditLines.id, creditLineId));
      const result = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 1_000n),
          schedule: simpleSchedule({ principalFen: 1_000n, count: 1, firstDueDate: '2026-12-28' }),
          now: NOW,
        }),
      );
      expect(result).toEqual({ ok: false, code: 'credit_line_frozen' });
    });

    it('the temporary limit counts only until it expires', async () => {
      const { creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        temporaryLimitFen: 50_000n,
        temporaryExpiresAt: new Date('2026-12-01T00:00:00Z'),
        now: NOW,
      });
      const row = await line(creditLineId);
      expect(availableFen(row, NOW)).toBe(150_000n);
      expect(availableFen(row, new Date('2026-12-01T00:00:01Z'))).toBe(100_000n);
    });

    it('borrow → partial repay → T+1 restore → payoff keeps every invariant', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 1_000_000n,
        now: NOW,
      });
      const borrowed = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 300_000n),
          schedule: simpleSchedule({
            principalFen: 300_000n,
            count: 3,
            interestFen: 4_500n,
            firstDueDate: '2026-12-28',
          }),
          now: NOW,
        }),
      );
      expect(borrowed.ok).toBe(true);
      if (!borrowed.ok) return;
      expect(availableFen(await line(creditLineId), NOW)).toBe(700_000n);

      // Pay installment 1 in full: principal 100,000 + interest 4,500.
      const first = await withTransaction(database, (tx) =>
        applyRepayment(tx, {
          loanId: borrowed.value.loanId,
          amountFen: 104_500n,
          source: 'user',
          kind: 'installment',
          allocations: [
            { installmentNumber: 1, principalFen: 100_000n, interestFen: 4_500n, feeFen: 0n, penaltyFen: 0n },
          ],
          restoreOn: '2026-11-29',
          now: NOW,
        }),
      );
      expect(first.ok && first.value.paidOff).toBe(false);
      const afterRepay = await line(creditLineId);
      expect([afterRepay.usedFen, afterRepay.restoringFen]).toEqual([200_000n, 100_000n]);
      expect(availableFen(afterRepay, NOW)).toBe(700_000n); // not before T+1

      await withTransaction(database, (tx) => restoreLimits(tx, { asOfDate: '2026-11-28', now: NOW }));
      expect((await line(creditLineId)).restoringFen).toBe(100_000n);
      await withTransaction(database, (tx) => restoreLimits(tx, { asOfDate: '2026-11-29', now: NOW }));
      expect(availableFen(await line(creditLineId), NOW)).toBe(800_000n);

      // Pay off: the remaining principal, interest only to today (the rest waived).
      const payoff = await withTransaction(database, async (tx) => {
        const locked = await lockLoan(tx, borrowed.value.loanId);
        const open = locked!.installments.filter((i) => i.status !== 'paid');
        return applyRepayment(tx, {
          loanId: borrowed.value.loanId,
          amountFen: 200_000n + 1_000n + 5n,
          source: 'user',
          kind: 'payoff',
          allocations: open.map((i, k) => ({
            installmentNumber: i.number,
            principalFen: installmentRemaining(i).principalFen,
            interestFen: k === 0 ? 1_000n : 0n,
            feeFen: 0n,
            penaltyFen: 0n,
          })),
          waivers: open.map((i, k) => ({
            installmentNumber: i.number,
            interestFen: k === 0 ? 3_500n : 4_500n,
            feeFen: 0n,
          })),
          toCreditBalanceFen: 5n,
          restoreOn: '2026-11-29',
          now: NOW,
        });
      });
      expect(payoff.ok && payoff.value.paidOff).toBe(true);
      const [loan] = await database.db.select().from(loans).where(eq(loans.id, borrowed.value.loanId));
      expect([loan!.status, loan!.creditBalanceFen]).toEqual(['paid_off', 5n]);
      expect(await accountBalance(database.db, { code: 'loan_principal_receivable', ownerId: userId })).toBe(
        0n,
      );
      expect(await accountBalance(database.db, { code: 'user_credit_balance', ownerId: userId })).toBe(-5n);
      expect(await verifyInvariants(database)).toEqual([]);
    });

    it('an over-allocation is a programmer error and rolls everything back', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });
      const borrowed = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 10_000n),
          schedule: simpleSchedule({ principalFen: 10_000n, count: 2, firstDueDate: '2026-12-28' }),
          now: NOW,
        }),
      );
      if (!borrowed.ok) throw new Error('borrow failed');
      await expect(
        withTransaction(database, (tx) =>
          applyRepayment(tx, {
            loanId: borrowed.value.loanId,
            amountFen: 5_001n,
            source: 'user',
            kind: 'amount',
            allocations: [
              { installmentNumber: 1, principalFen: 5_001n, interestFen: 0n, feeFen: 0n, penaltyFen: 0n },
            ],
            now: NOW,
          }),
        ),
      ).rejects.toThrow(/over-allocated/);
      expect((await line(creditLineId)).usedFen).toBe(10_000n);
      expect(await verifyInvariants(database)).toEqual([]);
    });

    it('cooling-off: cancel restores the line at once; disbursing afterwards is refused', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });
      const borrowed = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 40_000n, {
            status: 'cooling_off',
            coolingOffUntil: new Date(NOW.getTime() + 86_400_000),
          }),
          schedule: simpleSchedule({
            principalFen: 40_000n,
            count: 2,
            interestFen: 100n,
            firstDueDate: '2026-12-28',
          }),
          now: NOW,
        }),
      );
      if (!borrowed.ok) throw new Error('borrow failed');
      const canceled = await withTransaction(database, (tx) =>
        cancelLoan(tx, { loanId: borrowed.value.loanId, now: NOW }),
      );
      expect(canceled.ok).toBe(true);
      expect((await line(creditLineId)).usedFen).toBe(0n);
      const again = await withTransaction(database, (tx) =>
        cancelLoan(tx, { loanId: borrowed.value.loanId, now: NOW }),
      );
      expect(again).toEqual({ ok: false, code: 'loan_not_cancelable' });
      const pay = await withTransaction(database, (tx) =>
        disburseLoan(tx, { loanId: borrowed.value.loanId, payee: { kind: 'borrower' }, now: NOW }),
      );
      expect(pay).toEqual({ ok: false, code: 'loan_not_disbursable' });
      expect(await accountBalance(database.db, { code: 'loan_principal_receivable', ownerId: userId })).toBe(
        0n,
      );
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  describe('checkout hold, capture, refund', () => {
    async function checkout(merchantId: string, amountFen: bigint) {
      const id = `chk_${Math.abs(Number(amountFen))}_${merchantId.slice(-6)}_${Date.now().toString(36)}`;
      await database.db.insert(checkouts).values({
        id,
        merchantId,
        mode: 'test',
        outTradeNo: id,
        token: `tok_${id}`,
        amountFen,
        scene: 'dining',
        description: 'order',
        notifyUrl: 'https://merchant.example/notify',
        requestHash: 'h',
        expiresAt: new Date(NOW.getTime() + 3_600_000),
      });
      return id;
    }

    it('hold → release gives the amount back; hold → capture → refunds reduce the loan', async () => {
      const merchantId = `mch_${Date.now().toString(36)}`;
      await database.db.insert(merchants).values({ id: merchantId, name: 'Noodle House', scene: 'dining' });
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });

      const voided = await checkout(merchantId, 30_000n);
      await withTransaction(database, async (tx) => {
        const held = await placeHold(tx, {
          creditLineId,
          userId,
          checkoutId: voided,
          amountFen: 30_000n,
          now: NOW,
        });
        expect(held.ok).toBe(true);
      });
      expect(availableFen(await line(creditLineId), NOW)).toBe(70_000n);
      const tooMuch = await withTransaction(database, (tx) =>
        placeHold(tx, { creditLineId, userId, checkoutId: 'chk_other', amountFen: 70_001n, now: NOW }),
      );
      expect(tooMuch).toEqual({ ok: false, code: 'credit_limit_exceeded' });
      await withTransaction(database, (tx) => releaseHold(tx, { checkoutId: voided, now: NOW }));
      expect(availableFen(await line(creditLineId), NOW)).toBe(100_000n);
      expect(
        await withTransaction(database, (tx) => releaseHold(tx, { checkoutId: voided, now: NOW })),
      ).toEqual({
        ok: false,
        code: 'hold_not_found',
      });

      const sold = await checkout(merchantId, 60_000n);
      const loanId = await withTransaction(database, async (tx) => {
        await placeHold(tx, { creditLineId, userId, checkoutId: sold, amountFen: 60_000n, now: NOW });
        const captured = await captureHold(tx, { checkoutId: sold, captureFen: 60_000n, now: NOW });
        expect(captured.ok).toBe(true);
        const booked = await createLoan(tx, {
          loan: loanInput(userId, creditLineId, 60_000n, {
            product: 'scene_installment',
            checkoutId: sold,
            merchantId,
          }),
          schedule: simpleSchedule({
            principalFen: 60_000n,
            count: 3,
            interestFen: 300n,
            firstDueDate: '2026-12-28',
          }),
          now: NOW,
        });
        await disburseLoan(tx, { loanId: booked.loanId, payee: { kind: 'merchant', merchantId }, now: NOW });
        await tx
          .update(checkouts)
          .set({ status: 'captured', loanId: booked.loanId, amountCapturedFen: 60_000n, userId })
          .where(eq(checkouts.id, sold));
        return booked.loanId;
      });
      expect(await accountBalance(database.db, { code: 'merchant_payable', ownerId: merchantId })).toBe(
        -60_000n,
      );

      // Partial refund: reduces principal of the last installments first (allocation from the caller).
      const refund = (outRefundNo: string, amountFen: bigint) =>
        withTransaction(database, async (tx) => {
          const locked = await lockLoan(tx, loanId);
          let left = amountFen;
          const allocations = [...locked!.installments].reverse().map((i) => {
            const take =
              left < installmentRemaining(i).principalFen ? left : installmentRemaining(i).principalFen;
            left -= take;
            return {
              installmentNumber: i.number,
              principalFen: take,
              interestFen: 0n,
              feeFen: 0n,
              penaltyFen: 0n,
            };
          });
          return refundCheckout(tx, {
            checkoutId: sold,
            merchantId,
            outRefundNo,
            amountFen,
            requestHash: `r:${amountFen}`,
            allocations: allocations.filter((a) => a.principalFen > 0n),
            toCreditBalanceFen: left,
            now: NOW,
          });
        });
      const r1 = await refund('rf_1', 25_000n);
      expect(r1.ok && r1.value.checkout.status).toBe('partially_refunded');
      const r1again = await refund('rf_1', 25_000n);
      expect(r1again.ok && r1again.value.existing).toBe(true);
      expect(await refund('rf_2', 35_001n)).toEqual({ ok: false, code: 'refund_exceeds_captured' });
      const r2 = await refund('rf_2', 35_000n);
      expect(r2.ok && r2.value.checkout.status).toBe('refunded');
      expect(await accountBalance(database.db, { code: 'merchant_payable', ownerId: merchantId })).toBe(0n);
      expect((await line(creditLineId)).usedFen).toBe(0n);
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  describe('runIdempotent', () => {
    it('executes once, replays the same request, refuses a different one, stores rejections', async () => {
      let runs = 0;
      const idem = { scope: 'usr_test:POST /v1/thing', key: 'k-1', requestHash: 'hash-a' };
      const run = (requestHash: string) =>
        runIdempotent(database, { ...idem, requestHash }, NOW, async () => {
          runs += 1;
          return { status: 201, body: { n: runs } };
        });
      expect(await run('hash-a')).toEqual({ kind: 'executed', status: 201, body: { n: 1 } });
      expect(await run('hash-a')).toEqual({ kind: 'replayed', status: 201, body: { n: 1 } });
      expect(await run('hash-b')).toEqual({ kind: 'mismatch' });
      // A replay may run `fn` again (optimistic), but its writes never commit.
      expect(await run('hash-a')).toEqual({ kind: 'replayed', status: 201, body: { n: 1 } });

      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 1_000n,
        now: NOW,
      });
      const refuse = () =>
        runIdempotent(database, { scope: 'x', key: 'k-2', requestHash: 'h' }, NOW, async (tx) => {
          const drawn = await borrowLoan(tx, {
            loan: loanInput(userId, creditLineId, 1_000n),
            schedule: simpleSchedule({ principalFen: 1_000n, count: 1, firstDueDate: '2026-12-28' }),
            now: NOW,
          });
          expect(drawn.ok).toBe(true);
          throw new IdempotentRejection(422, { error: { code: 'step_up_required' } });
        });
      expect(await refuse()).toEqual({
        kind: 'executed',
        status: 422,
        body: { error: { code: 'step_up_required' } },
      });
      expect(await refuse()).toEqual({
        kind: 'replayed',
        status: 422,
        body: { error: { code: 'step_up_required' } },
      });
      expect((await line(creditLineId)).usedFen).toBe(0n); // the draw was rolled back
      const records = await database.db
        .select()
        .from(idempotencyRecords)
        .where(eq(idempotencyRecords.key, 'k-2'));
      expect(records.map((r) => r.state)).toEqual(['completed']);
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  describe('borrowOnce (one statement)', () => {
    it('books, refuses with the right code, replays and detects a reused key', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 50_000n,
        now: NOW,
      });
      const once = (key: string, principalFen: bigint, requestHash = `h${principalFen}`) =>
        borrowOnce<Record<string, unknown>>(database, {
          idempotency: { scope: `${userId}:POST /v1/loans`, key, requestHash },
          loan: loanInput(userId, creditLineId, principalFen),
          schedule: simpleSchedule({ principalFen, count: 3, interestFen: 10n, firstDueDate: '2026-12-28' }),
          now: NOW,
          created: { body: (id) => ({ id }) },
          refused: { body: (code) => ({ error: { code } }) },
        });
      const first = await once('a', 30_000n);
      expect(first).toMatchObject({ kind: 'executed', status: 201 });
      expect(await once('a', 30_000n)).toEqual({ ...first, kind: 'replayed' });
      expect(await once('a', 1_000n)).toEqual({ kind: 'mismatch' });
      expect(await once('b', 20_001n)).toEqual({
        kind: 'executed',
        status: 422,
        body: { error: { code: 'credit_limit_exceeded' } },
      });
      await database.db.update(creditLines).set({ frozen: true }).where(eq(creditLines.id, creditLineId));
      expect(await once('c', 1_000n)).toMatchObject({
        status: 422,
        body: { error: { code: 'credit_line_frozen' } },
      });
      expect((await line(creditLineId)).usedFen).toBe(30_000n);
      expect(await accountBalance(database.db, systemAccount('bank'))).toBeLessThan(0n);
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  describe('verifyInvariants', () => {
    /** Apply a corruption with triggers off, run the checker in the same transaction, roll back. */
    async function violationsAfter(corrupt: ReturnType<typeof sql>): Promise<string[]> {
      let found: string[] = [];
      await withTransaction(database, async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(corrupt);
        found = (await verifyInvariants({ db: tx })).map((v) => v.invariant);
        throw new Error('roll back');
      }).catch((e: unknown) => {
        if ((e as Error).message !== 'roll back') throw e;
      });
      return found;
    }

    it('is green on a consistent database and names each kind of corruption', async () => {
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 100_000n,
        now: NOW,
      });
      const borrowed = await withTransaction(database, (tx) =>
        borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, 30_000n),
          schedule: simpleSchedule({
            principalFen: 30_000n,
            count: 3,
            interestFen: 100n,
            firstDueDate: '2026-12-28',
          }),
          now: NOW,
        }),
      );
      if (!borrowed.ok) throw new Error('borrow failed');
      const loanId = borrowed.value.loanId;
      expect(await verifyInvariants(database)).toEqual([]);
      const table: Array<[string, ReturnType<typeof sql>]> = [
        [
          'ledger_transaction_balanced',
          sql`insert into ledger_postings (transaction_id, account_id, currency, amount_fen)
            select transaction_id, account_id, currency, 1 from ledger_postings limit 1`,
        ],
        [
          'credit_line_used_equals_open_principal',
          sql`update credit_lines set used_fen = used_fen + 1 where id = ${creditLineId}`,
        ],
        [
          'credit_line_available_nonnegative',
          sql`update credit_lines set base_limit_fen = 1 where id = ${creditLineId}`,
        ],
        [
          'installment_paid_equals_allocations',
          sql`update installments set paid_principal_fen = 1 where loan_id = ${loanId} and number = 1`,
        ],
        [
          'loan_schedule_principal',
          sql`update loans set principal_fen = principal_fen + 1 where id = ${loanId}`,
        ],
        [
          'receivable_equals_open_principal',
          sql`update installments set principal_fen = principal_fen + 5 where loan_id = ${loanId} and number = 2`,
        ],
        [
          'captured_checkout_has_one_loan',
          sql`insert into checkouts (id, merchant_id, mode, out_trade_no, token, amount_fen, scene, description,
            notify_url, request_hash, expires_at, status, amount_captured_fen)
          values ('chk_orphan', 'mch_none', 'test', 'o-1', 't-1', 100, 'dining', 'x', 'https://x', 'h', now(), 'captured', 100)`,
        ],
        [
          'idempotency_completed',
          sql`insert into idempotency_records (scope, key, request_hash, state, expires_at)
          values ('s', 'stuck', 'h', 'in_progress', now())`,
        ],
      ];
      for (const [invariant, corruption] of table) {
        expect(await violationsAfter(corruption), invariant).toContain(invariant);
      }
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  describe('model-based property', () => {
    type Op =
      | { kind: 'borrow'; amountFen: bigint; coolingOff: boolean }
      | { kind: 'repayNext'; pick: number }
      | { kind: 'cancel'; pick: number }
      | { kind: 'hold'; amountFen: bigint }
      | { kind: 'release' }
      | { kind: 'restore' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('borrow' as const),
        amountFen: fc.bigInt({ min: 1n, max: 120_000n }),
        coolingOff: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('repayNext' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('hold' as const), amountFen: fc.bigInt({ min: 1n, max: 80_000n }) }),
      fc.record({ kind: fc.constant('release' as const) }),
      fc.record({ kind: fc.constant('restore' as const) }),
    );

    it('any sequence of borrow / repay / cancel / hold / release / restore matches the model', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
          const limitFen = 200_000n;
          const { userId, creditLineId } = await createUserWithLine(database.db, {
            baseLimitFen: limitFen,
            now: NOW,
          });
          const model = { usedFen: 0n, heldFen: 0n, restoringFen: 0n };
          const loansOpen: Array<{ id: string; coolingOff: boolean }> = [];
          const holds: Array<{ checkoutId: string; amountFen: bigint }> = [];
          for (const op of ops) {
            const available = limitFen - model.usedFen - model.heldFen - model.restoringFen;
            if (op.kind === 'borrow') {
              const result = await withTransaction(database, (tx) =>
                borrowLoan(tx, {
                  loan: loanInput(userId, creditLineId, op.amountFen, {
                    status: op.coolingOff ? 'cooling_off' : 'active',
                  }),
                  schedule: simpleSchedule({
                    principalFen: op.amountFen,
                    count: 2,
                    interestFen: 7n,
                    firstDueDate: '2026-12-28',
                  }),
                  now: NOW,
                }),
              );
              expect(result.ok).toBe(op.amountFen <= available);
              if (result.ok) {
                model.usedFen += op.amountFen;
                loansOpen.push({ id: result.value.loanId, coolingOff: op.coolingOff });
              }
            } else if (op.kind === 'repayNext') {
              const active = loansOpen.filter((l) => !l.coolingOff);
              const target = active[op.pick % Math.max(active.length, 1)];
              if (!target) continue;
              const repaid = await withTransaction(database, async (tx) => {
                const locked = await lockLoan(tx, target.id);
                const next = locked!.installments.find((i) => i.status !== 'paid')!;
                const left = installmentRemaining(next);
                const result = await applyRepayment(tx, {
                  loanId: target.id,
                  amountFen: left.principalFen + left.interestFen,
                  source: 'user',
                  kind: 'installment',
                  allocations: [{ installmentNumber: next.number, ...left, feeFen: 0n, penaltyFen: 0n }],
                  restoreOn: '2026-11-29',
                  now: NOW,
                });
                return { result, principalFen: left.principalFen };
              });
              expect(repaid.result.ok).toBe(true);
              model.usedFen -= repaid.principalFen;
              model.restoringFen += repaid.principalFen;
              if (repaid.result.ok && repaid.result.value.paidOff)
                loansOpen.splice(loansOpen.indexOf(target), 1);
            } else if (op.kind === 'cancel') {
              const cooling = loansOpen.filter((l) => l.coolingOff);
              const target = cooling[op.pick % Math.max(cooling.length, 1)];
              if (!target) continue;
              const canceled = await withTransaction(database, (tx) =>
                cancelLoan(tx, { loanId: target.id, now: NOW }),
              );
              expect(canceled.ok).toBe(true);
              const principal = canceled.ok ? canceled.value.principalFen : 0n;
              model.usedFen -= principal;
              loansOpen.splice(loansOpen.indexOf(target), 1);
            } else if (op.kind === 'hold') {
              const checkoutId = newId('chk');
              const held = await withTransaction(database, (tx) =>
                placeHold(tx, { creditLineId, userId, checkoutId, amountFen: op.amountFen, now: NOW }),
              );
              expect(held.ok).toBe(op.amountFen <= available);
              if (held.ok) {
                model.heldFen += op.amountFen;
                holds.push({ checkoutId, amountFen: op.amountFen });
              }
            } else if (op.kind === 'release') {
              const hold = holds.pop();
              if (!hold) continue;
              const released = await withTransaction(database, (tx) =>
                releaseHold(tx, { checkoutId: hold.checkoutId, now: NOW }),
              );
              expect(released.ok).toBe(true);
              model.heldFen -= hold.amountFen;
            } else {
              await withTransaction(database, (tx) =>
                restoreLimits(tx, { asOfDate: '2026-11-29', now: NOW }),
              );
              model.restoringFen = 0n;
            }
            const row = await line(creditLineId);
            expect({ usedFen: row.usedFen, heldFen: row.heldFen, restoringFen: row.restoringFen }).toEqual(
              model,
            );
          }
          expect(await verifyInvariants(database)).toEqual([]);
        }),
        { numRuns: 12 },
      );
    });
  });
});
