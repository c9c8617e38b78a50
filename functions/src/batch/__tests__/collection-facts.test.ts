/**
 * The collections step of the daily batch now asks the database for each overdue loan's contact
 * facts (`contactFacts`, one aggregate statement) instead of reading every contact back. The
 * facts must equal what the in-memory filters it replaced computed from the same rows.
 */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema, withTransaction } from '../../db';
import { contactFacts } from '../../risk/collections-job';

const DAY_MS = 24 * 3600 * 1000;
const T0 = Date.parse('2026-03-01T16:00:00.000Z'); // 2026-03-02 00:00 Asia/Shanghai
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db.insert(schema.users).values({ id: 'usr_cf', openidHash: 'cf' });
  await database.db.insert(schema.creditLines).values({ id: 'cl_cf', userId: 'usr_cf', baseLimitFen: 1n });
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

type Row = typeof schema.collectionContacts.$inferSelect;

/** The filters of planCollectionsForDay before this change, on the loan's rows. */
function inMemory(history: Row[], oldestDueDate: string, atMs: number) {
  const contacts = history.filter(
    (h) => h.kind !== 'reminder' && h.scheduledAt >= new Date(Date.parse(`${oldestDueDate}T00:00:00+08:00`)),
  );
  return {
    hardshipDeclared: contacts.some((c) => c.outcome === 'hardship_declared'),
    unanswered: contacts.filter(
      (c) =>
        c.sentAt !== null &&
        (c.outcome === null || c.outcome === 'no_response' || c.outcome === 'dev_recorded'),
    ).length,
    brokenPromises: contacts.filter((c) => c.outcome === 'promise_broken').length,
    hasLegal: history.some((h) => h.kind === 'legal'),
    offerWithinWeek: history.some(
      (h) => h.kind === 'hardship_offer' && h.scheduledAt.getTime() > atMs - 7 * DAY_MS,
    ),
  };
}

const contactArb = fc.record({
  kind: fc.constantFrom('reminder', 'collection', 'hardship_offer', 'legal'),
  hoursFromT0: fc.integer({ min: -40 * 24, max: 24 }),
  sent: fc.boolean(),
  outcome: fc.constantFrom(
    null,
    'no_response',
    'dev_recorded',
    'hardship_declared',
    'promise_broken',
    'answered',
  ),
});

let seq = 0;

describe('contactFacts', () => {
  it('equals the in-memory derivation it replaced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            dueDaysAgo: fc.integer({ min: 0, max: 30 }),
            contacts: fc.array(contactArb, { maxLength: 8 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 20 * 3600 * 1000 }),
        async (loans, atOffsetMs) => {
          const atMs = T0 + atOffsetMs;
          const oldest = new Map<string, { dueDate: string }>();
          const histories = new Map<string, Row[]>();
          for (const l of loans) {
            const loanId = `loan_cf${++seq}`;
            await database.db.insert(schema.loans).values({
              id: loanId,
              userId: 'usr_cf',
              creditLineId: 'cl_cf',
              product: 'cash_loan',
              method: 'equal_installment',
              principalFen: 100n,
              installmentsCount: 1,
              annualRate: '0.1',
              dailyRate: '0.0001',
              monthlyRate: '0.01',
              apr: '0.1',
              status: 'overdue',
              startDate: '2026-01-01',
            });
            const dueDate = new Date(T0 + 8 * 3600 * 1000 - l.dueDaysAgo * DAY_MS).toISOString().slice(0, 10);
            oldest.set(loanId, { dueDate });
            const rows = l.contacts.map((c, k) => ({
              id: `col_cf${seq}_${k}`,
              userId: 'usr_cf',
              loanId,
              channel: 'wechat' as const,
              kind: c.kind as Row['kind'],
              contactDate: '2026-03-02',
              scheduledAt: new Date(T0 + c.hoursFromT0 * 3600 * 1000),
              sentAt: c.sent ? new Date(T0) : null,
              outcome: c.outcome,
              createdAt: new Date(T0),
              installmentId: null,
            }));
            if (rows.length > 0) await database.db.insert(schema.collectionContacts).values(rows);
            histories.set(loanId, rows);
          }
          const facts = await withTransaction(database, (tx) => contactFacts(tx, oldest));
          for (const [loanId, { dueDate }] of oldest) {
            const expected = inMemory(histories.get(loanId) ?? [], dueDate, atMs);
            const f = facts.get(loanId);
            expect({
              hardshipDeclared: f?.hardshipDeclared ?? false,
              unanswered: f?.unanswered ?? 0,
              brokenPromises: f?.brokenPromises ?? 0,
              hasLegal: f?.hasLegal ?? false,
              offerWithinWeek:
                f?.lastHardshipOfferMs !== undefined && f.lastHardshipOfferMs > atMs - 7 * DAY_MS,
            }).toEqual(expected);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
