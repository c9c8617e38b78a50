/**
 * Money movement under real concurrency: PostgreSQL 15 through the Neon serverless driver
 * and the local WebSocket proxy (the production driver). Needs FENQI_TEST_PG_URL.
 */
import { readdirSync } from 'node:fs';
import {
  borrowLoan,
  borrowOnce,
  createTestDatabase,
  createUserWithLine,
  creditLines,
  type IdempotentOutcome,
  type LoanInput,
  loans,
  migrate,
  migrationsFolder,
  openDatabase,
  outboxEvents,
  runIdempotent,
  serverTestUrl,
  simpleSchedule,
  type TestDatabase,
  verifyInvariants,
  withTransaction,
} from '@fenqi/db';
import { eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const url = serverTestUrl();
if (!url)
  console.warn(
    '[tests/db] SKIPPED: FENQI_TEST_PG_URL is not set — no real PostgreSQL server for these tests',
  );

const NOW = new Date('2026-11-28T02:00:00Z');

function loanInput(userId: string, creditLineId: string, principalFen: bigint): LoanInput {
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
  };
}

function rootMessage(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return String(e?.message ?? 'no error');
}

describe.skipIf(!url)('money movement on PostgreSQL (Neon driver via proxy)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('server', { poolMax: 24 });
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function usedFen(creditLineId: string): Promise<bigint> {
    const [row] = await database.db.select().from(creditLines).where(eq(creditLines.id, creditLineId));
    return row!.usedFen;
  }

  type Borrow = (
    userId: string,
    creditLineId: string,
    principalFen: bigint,
    key: string,
    requestHash?: string,
  ) => Promise<IdempotentOutcome<Record<string, unknown>>>;

  /** Interactive transaction: runIdempotent + borrowLoan. */
  const interactive: Borrow = (userId, creditLineId, principalFen, key, requestHash = 'h') =>
    runIdempotent<Record<string, unknown>>(
      database,
      { scope: `${userId}:POST /v1/loans`, key, requestHash },
      NOW,
      async (tx, ctx) => {
        const result = await borrowLoan(tx, {
          loan: loanInput(userId, creditLineId, principalFen),
          schedule: simpleSchedule({ principalFen, count: 3, interestFen: 100n, firstDueDate: '2026-12-28' }),
          now: NOW,
          idempotencyRef: ctx.idempotencyRef,
        });
        if (!result.ok) return { status: 422, body: { error: { code: result.code } } };
        return {
          status: 201,
          body: { id: result.value.loanId },
          effect: { type: 'loan', id: result.value.loanId },
        };
      },
    );

  /** One autocommitted statement: borrowOnce. */
  const singleStatement: Borrow = (userId, creditLineId, principalFen, key, requestHash = 'h') =>
    borrowOnce<Record<string, unknown>>(database, {
      idempotency: { scope: `${userId}:POST /v1/loans`, key, requestHash },
      loan: loanInput(userId, creditLineId, principalFen),
      schedule: simpleSchedule({ principalFen, count: 3, interestFen: 100n, firstDueDate: '2026-12-28' }),
      now: NOW,
      created: { body: (id) => ({ id }) },
      refused: { body: (code) => ({ error: { code } }) },
    });

  describe.each([
    ['an interactive transaction', () => interactive],
    ['a single statement', () => singleStatement],
  ])('borrowing through %s', (_name, pick) => {
    it('50 concurrent draws of random amounts never exceed the line', async () => {
      const borrow = pick();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.bigInt({ min: 10_000n, max: 60_000n }), { minLength: 50, maxLength: 50 }),
          async (amounts) => {
            const limitFen = 1_000_000n;
            const { userId, creditLineId } = await createUserWithLine(database.db, {
              baseLimitFen: limitFen,
              now: NOW,
            });
            const outcomes = await Promise.all(
              amounts.map((amount, i) => borrow(userId, creditLineId, amount, `draw-${i}`)),
            );
            let grantedFen = 0n;
            outcomes.forEach((o, i) => {
              expect(o.kind).toBe('executed');
              if (o.kind === 'executed' && o.status === 201) grantedFen += amounts[i]!;
              else
                expect(o).toMatchObject({ status: 422, body: { error: { code: 'credit_limit_exceeded' } } });
            });
            expect(grantedFen).toBeLessThanOrEqual(limitFen);
            expect(await usedFen(creditLineId)).toBe(grantedFen);
            const loanRows = await database.db
              .select()
              .from(loans)
              .where(eq(loans.creditLineId, creditLineId));
            expect(loanRows.reduce((s, l) => s + l.principalFen, 0n)).toBe(grantedFen);
            // The line was oversubscribed (≥ 500,000 requested), so refusals only happen when a
            // further draw really would not fit.
            const refusedAmounts = amounts.filter(
              (_, i) =>
                outcomes[i]!.kind === 'executed' && (outcomes[i] as { status: number }).status === 422,
            );
            for (const refused of refusedAmounts) expect(grantedFen + refused).toBeGreaterThan(limitFen);
            expect(await verifyInvariants(database)).toEqual([]);
          },
        ),
        { numRuns: 3 },
      );
    });

    it('the same idempotency key sent 20 times at once has one effect', async () => {
      const borrow = pick();
      const { userId, creditLineId } = await createUserWithLine(database.db, {
        baseLimitFen: 1_000_000n,
        now: NOW,
      });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => borrow(userId, creditLineId, 123_456n, 'same-key')),
      );
      const executed = outcomes.filter((o) => o.kind === 'executed');
      const replayed = outcomes.filter((o) => o.kind === 'replayed');
      expect(executed).toHaveLength(1);
      expect(replayed).toHaveLength(19);
      const first = executed[0] as unknown as { body: { id: string } };
      for (const r of replayed) expect(r).toMatchObject({ status: 201, body: { id: first.body.id } });
      expect(await usedFen(creditLineId)).toBe(123_456n);
      expect(await database.db.select().from(loans).where(eq(loans.userId, userId))).toHaveLength(1);
      const events = await database.db.select().from(outboxEvents).where(eq(outboxEvents.userId, userId));
      expect(events).toHaveLength(1);
      // Same key, different body → refused, no second effect.
      expect(await borrow(userId, creditLineId, 1n, 'same-key', 'other-hash')).toEqual({ kind: 'mismatch' });
      expect(await verifyInvariants(database)).toEqual([]);
    });
  });

  it('a transaction whose connection drops half-way leaves no trace', async () => {
    const { userId, creditLineId } = await createUserWithLine(database.db, {
      baseLimitFen: 500_000n,
      now: NOW,
    });
    expect(database.proxy).toBeDefined();
    const attempt = withTransaction(database, async (tx) => {
      const result = await borrowLoan(tx, {
        loan: loanInput(userId, creditLineId, 200_000n),
        schedule: simpleSchedule({ principalFen: 200_000n, count: 3, firstDueDate: '2026-12-28' }),
        now: NOW,
      });
      expect(result.ok).toBe(true);
      // The draw, loan, installments, ledger and outbox rows are written but not committed.
      await database.proxy!.destroyConnections();
      await tx.execute(sql`select 1`);
    });
    await expect(attempt).rejects.toBeTruthy();
    expect(await usedFen(creditLineId)).toBe(0n);
    expect(await database.db.select().from(loans).where(eq(loans.userId, userId))).toHaveLength(0);
    expect(await database.db.select().from(outboxEvents).where(eq(outboxEvents.userId, userId))).toHaveLength(
      0,
    );
    expect(await verifyInvariants(database)).toEqual([]);
  });

  it('a backend killed by the server mid-transaction leaves no trace', async () => {
    const { userId, creditLineId } = await createUserWithLine(database.db, {
      baseLimitFen: 500_000n,
      now: NOW,
    });
    const attempt = withTransaction(database, async (tx) => {
      await borrowLoan(tx, {
        loan: loanInput(userId, creditLineId, 100_000n),
        schedule: simpleSchedule({ principalFen: 100_000n, count: 1, firstDueDate: '2026-12-28' }),
        now: NOW,
      });
      const pid = await tx.execute(sql`select pg_backend_pid() as pid`);
      const backend = (pid as unknown as { rows: Array<{ pid: number }> }).rows[0]!.pid;
      await database.db.execute(sql`select pg_terminate_backend(${backend})`);
      await tx.execute(sql`select 1`);
    });
    await expect(attempt).rejects.toBeTruthy();
    expect(await usedFen(creditLineId)).toBe(0n);
    expect(await verifyInvariants(database)).toEqual([]);
  });

  it('an unbalanced ledger transaction cannot commit, and postings cannot be changed', async () => {
    const attempt = withTransaction(database, async (tx) => {
      await tx.execute(sql`insert into ledger_accounts (id, code, owner_id, currency, normal_balance)
        values ('acct_bank.system.CNY', 'bank', 'system', 'CNY', 'debit') on conflict do nothing`);
      await tx.execute(sql`insert into ledger_transactions (id, kind, external_id, effective_at)
        values ('ltx_bad', 'test', 'ltx_bad', now())`);
      await tx.execute(sql`insert into ledger_postings (transaction_id, account_id, currency, amount_fen)
        values ('ltx_bad', 'acct_bank.system.CNY', 'CNY', 1)`);
    });
    await expect(attempt).rejects.toSatisfy((e) => /unbalanced/.test(rootMessage(e)));
    const left = await database.db.execute(
      sql`select count(*)::int as n from ledger_transactions where id = 'ltx_bad'`,
    );
    expect((left as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
    const update = await database.db.execute(sql`update ledger_postings set amount_fen = 0`).then(
      () => 'updated',
      (e: unknown) => rootMessage(e),
    );
    expect(update).toMatch(/append-only/);
  });

  it('serialization failures are retried a bounded number of times', async () => {
    await database.db.execute(
      sql`create table if not exists skew (id int primary key, on_call boolean not null)`,
    );
    await database.db.execute(
      sql`insert into skew values (1, true), (2, true) on conflict (id) do update set on_call = true`,
    );
    let runs = 0;
    // Both first attempts read before either writes (a barrier), so they always overlap.
    let arrived = 0;
    let release: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Two doctors each go off call if the other is still on call: write skew under SERIALIZABLE.
    const offCall = (id: number) => {
      let attempt = 0;
      return withTransaction(
        database,
        async (tx) => {
          runs += 1;
          attempt += 1;
          const res = await tx.execute(sql`select count(*)::int as n from skew where on_call`);
          const n = (res as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;
          if (attempt === 1) {
            arrived += 1;
            if (arrived === 2) release();
            await bothRead;
          }
          if (n >= 2) await tx.execute(sql`update skew set on_call = false where id = ${id}`);
        },
        { isolationLevel: 'serializable' },
      );
    };
    await Promise.all([offCall(1), offCall(2)]);
    const res = await database.db.execute(sql`select count(*)::int as n from skew where on_call`);
    expect((res as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(1);
    expect(runs).toBeGreaterThan(2);
  });

  it('two processes migrating the same fresh database at once both succeed', async () => {
    const name = `${database.name}_mig`;
    await database.db.execute(sql.raw(`create database "${name}"`));
    const target = new URL(url!);
    target.pathname = `/${name}`;
    const [a, b] = await Promise.all([
      openDatabase({ url: target.toString() }),
      openDatabase({ url: target.toString() }),
    ]);
    try {
      await Promise.all([migrate(a), migrate(b)]);
      const applied = await a.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      const files = readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql'));
      expect((applied as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(files.length);
    } finally {
      await a.close();
      await b.close();
      await database.db.execute(sql.raw(`drop database if exists "${name}" with (force)`));
    }
  });
});
