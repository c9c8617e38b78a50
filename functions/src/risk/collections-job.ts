/**
 * Collections in the service (daily-batch step `collections_plan`, and the delivery worker).
 *
 * Each business day, for every loan with an overdue installment: derive its collection state
 * from facts (days overdue, hardship declared, unanswered contacts, broken promises), then
 * let the pure planner (@fenqi/shared `planCollectionContacts`) choose contacts for the day —
 * 10:00 / 14:00 / 17:00 Asia/Shanghai only, ≤ 3 per person per channel per day counting the
 * reminders already planned, borrower only. Planned contacts are rows of
 * `collection_contacts` with `sent_at` null: that table is the outbox.
 *
 * Channels: WeChat subscribe messages (the user subscribes in the mini-program), calls and
 * letters to the borrower's own phone/address (essential data); SMS only with the
 * `repayment_reminders_sms` authorisation; never e-mail (not collected); never contacts —
 * the address book is not an input anywhere in collections.
 *
 * Delivery (`deliverDueContacts`) is a separate worker that refuses to send in quiet hours;
 * its adapter is the WeChat subscribe-message API in production and a recorder in dev/test.
 */
import { rowsOf } from '@fenqi/db';
import { and, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import { type Database, newId, schema, type Tx } from '../db';
import { appendAudit } from '../security/audit';
import {
  type CollectionState,
  type ContactChannel,
  isQuietHour,
  nextCollectionState,
  type OverdueItem,
  type PastContact,
  planCollectionContacts,
} from './shared';

const DAY_MS = 24 * 3600 * 1000;
export const COLLECTION_ITEMS_MAX = 10_000;
const CONTACT_INSERT_CHUNK = 500;

function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY_MS);
}

export function channelsFor(granted: ReadonlySet<string>): ContactChannel[] {
  return ['wechat', 'call', 'letter', ...(granted.has('repayment_reminders_sms') ? (['sms'] as const) : [])];
}

/** The collection state of a loan, from facts only (nothing to drift). */
export function deriveState(f: {
  overdueDays: number;
  hardshipDeclared: boolean;
  unanswered: number;
  brokenPromises: number;
}): CollectionState {
  const facts = {
    overdueDays: f.overdueDays,
    hardshipDeclared: f.hardshipDeclared,
    extensionAccepted: false,
    unansweredContacts: f.unanswered,
    brokenPromises: f.brokenPromises,
  };
  const first = nextCollectionState('reminding', facts).state;
  return first === 'evasion_suspected' ? nextCollectionState('evasion_suspected', facts).state : first;
}

export async function planCollectionsForDay(
  tx: Tx,
  businessDate: string,
  asOf: Date,
): Promise<{ overdue_loans: number; contacts_planned: number }> {
  const rows = await tx
    .select({
      installmentId: schema.installments.id,
      dueDate: schema.installments.dueDate,
      principalFen: schema.installments.principalFen,
      paidPrincipalFen: schema.installments.paidPrincipalFen,
      loanId: schema.loans.id,
      userId: schema.loans.userId,
    })
    .from(schema.installments)
    .innerJoin(schema.loans, eq(schema.loans.id, schema.installments.loanId))
    .where(
      and(eq(schema.installments.status, 'overdue'), inArray(schema.loans.status, ['active', 'overdue'])),
    )
    .limit(COLLECTION_ITEMS_MAX);
  if (rows.length === 0) return { overdue_loans: 0, contacts_planned: 0 };

  const userIds = [...new Set(rows.map((r) => r.userId))];
  const loanIds = [...new Set(rows.map((r) => r.loanId))];
  // Grouped once by loan (the per-loan filters over all rows and all history were quadratic).
  const rowsByLoan = groupBy(rows, (r) => r.loanId);
  const oldestByLoan = new Map(
    [...rowsByLoan].map(([loanId, own]) => [loanId, own.reduce((a, b) => (a.dueDate <= b.dueDate ? a : b))]),
  );
  const facts = await contactFacts(tx, oldestByLoan);
  const recent = await tx
    .select({
      userId: schema.collectionContacts.userId,
      channel: schema.collectionContacts.channel,
      scheduledAt: schema.collectionContacts.scheduledAt,
    })
    .from(schema.collectionContacts)
    .where(
      and(
        inArray(schema.collectionContacts.userId, userIds),
        gte(schema.collectionContacts.scheduledAt, new Date(asOf.getTime() - DAY_MS)),
      ),
    )
    .limit(COLLECTION_ITEMS_MAX * 10);
  const auth = await tx
    .select({ userId: schema.authorizations.userId, key: schema.authorizations.key })
    .from(schema.authorizations)
    .where(and(inArray(schema.authorizations.userId, userIds), eq(schema.authorizations.granted, true)));
  const grantedBy = new Map<string, Set<string>>();
  for (const a of auth) grantedBy.set(a.userId, (grantedBy.get(a.userId) ?? new Set()).add(a.key));

  const items: OverdueItem[] = [];
  const loanState = new Map<string, CollectionState>();
  for (const loanId of loanIds) {
    const oldest = oldestByLoan.get(loanId)!;
    const f = facts.get(loanId) ?? NO_CONTACT_FACTS;
    const overdueDays = daysBetween(oldest.dueDate, businessDate);
    const state = deriveState({
      overdueDays,
      hardshipDeclared: f.hardshipDeclared,
      unanswered: f.unanswered,
      brokenPromises: f.brokenPromises,
    });
    loanState.set(loanId, state);
    // Legal process: one notice letter, then staff take over.
    if (state === 'legal' && f.hasLegal) continue;
    items.push({
      userId: oldest.userId,
      loanId,
      installmentId: oldest.installmentId,
      overdueDays,
      amountDueFen: oldest.principalFen - oldest.paidPrincipalFen,
      state,
    });
  }
  const pastContacts: PastContact[] = recent.map((r) => ({
    userId: r.userId,
    channel: r.channel,
    atMs: r.scheduledAt.getTime(),
  }));
  const channelsByUser = Object.fromEntries(
    userIds.map((u) => [u, channelsFor(grantedBy.get(u) ?? new Set())]),
  );
  const plan = planCollectionContacts({
    nowMs: asOf.getTime(),
    horizonMs: DAY_MS,
    items,
    pastContacts,
    channelsByUser,
  });

  const contacts: (typeof schema.collectionContacts.$inferInsert)[] = [];
  const legal: typeof plan = [];
  for (const p of plan) {
    // A hardship offer at most once a week per loan; the other channels still remind.
    if (p.kind === 'hardship_offer') {
      const lastOfferMs = facts.get(p.loanId)?.lastHardshipOfferMs;
      if (lastOfferMs !== undefined && lastOfferMs > p.atMs - 7 * DAY_MS) continue;
    }
    contacts.push({
      id: newId('col'),
      userId: p.userId,
      loanId: p.loanId,
      installmentId: p.installmentId,
      channel: p.channel,
      kind: p.kind,
      contactDate: p.localDate,
      scheduledAt: new Date(p.atMs),
      createdAt: asOf,
    });
    if (p.kind === 'legal') legal.push(p);
  }
  // One insert per chunk of contacts, then the escalations' audit records in plan order.
  for (let i = 0; i < contacts.length; i += CONTACT_INSERT_CHUNK)
    await tx.insert(schema.collectionContacts).values(contacts.slice(i, i + CONTACT_INSERT_CHUNK));
  for (const p of legal) {
    await appendAudit(tx, {
      actorType: 'system',
      actorId: 'collections',
      action: 'collections.legal_escalation',
      subjectType: 'loan',
      subjectId: p.loanId,
      details: { state: loanState.get(p.loanId) ?? 'legal' },
      at: asOf,
    });
  }
  return { overdue_loans: loanIds.length, contacts_planned: contacts.length };
}

export interface ContactFacts {
  /** Among the loan's contacts (not reminders) since its oldest overdue due date: */
  hardshipDeclared: boolean;
  unanswered: number;
  brokenPromises: number;
  /** Over all its contacts: a legal notice was ever planned; the last hardship offer. */
  hasLegal: boolean;
  lastHardshipOfferMs?: number;
}

const NO_CONTACT_FACTS: ContactFacts = {
  hardshipDeclared: false,
  unanswered: 0,
  brokenPromises: 0,
  hasLegal: false,
};

/**
 * What the collection state needs from each loan's contact history, counted by the database in
 * one statement (reading every contact of every overdue loan back grew with each day of the
 * run). `since`: 00:00 Asia/Shanghai of the loan's oldest overdue due date.
 */
export async function contactFacts(
  tx: Tx,
  oldestByLoan: ReadonlyMap<string, { dueDate: string }>,
): Promise<Map<string, ContactFacts>> {
  const pairs = [...oldestByLoan].map(([loanId, o]) => ({
    loan_id: loanId,
    since: new Date(Date.parse(`${o.dueDate}T00:00:00+08:00`)).toISOString(),
  }));
  const result = await tx.execute(sql`
    select v.loan_id,
      coalesce(bool_or(c.scheduled_at >= v.since and c.outcome = 'hardship_declared'), false) as hardship_declared,
      (count(*) filter (where c.scheduled_at >= v.since and c.sent_at is not null
        and (c.outcome is null or c.outcome in ('no_response', 'dev_recorded'))))::int as unanswered,
      (count(*) filter (where c.scheduled_at >= v.since and c.outcome = 'promise_broken'))::int as broken_promises,
      coalesce(bool_or(c.kind = 'legal'), false) as has_legal,
      (extract(epoch from max(c.scheduled_at) filter (where c.kind = 'hardship_offer')) * 1000)::float8 as last_offer_ms
    from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as v(loan_id text, since timestamptz)
    join collection_contacts c on c.loan_id = v.loan_id and c.kind <> 'reminder'
    group by v.loan_id`);
  const out = new Map<string, ContactFacts>();
  for (const r of rowsOf<{
    loan_id: string;
    hardship_declared: boolean;
    unanswered: number | string;
    broken_promises: number | string;
    has_legal: boolean;
    last_offer_ms: number | string | null;
  }>(result)) {
    out.set(r.loan_id, {
      hardshipDeclared: r.hardship_declared,
      unanswered: Number(r.unanswered),
      brokenPromises: Number(r.broken_promises),
      hasLegal: r.has_legal,
      ...(r.last_offer_ms === null ? {} : { lastHardshipOfferMs: Number(r.last_offer_ms) }),
    });
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export type ContactAdapter = (contact: typeof schema.collectionContacts.$inferSelect) => Promise<string>;

/** Dev/test: the message is "delivered" by recording it (the row is the outbox entry). */
export const devRecorderAdapter: ContactAdapter = async () => 'dev_recorded';

/**
 * Sends planned contacts whose time has come. Never in quiet hours (returns 0 then), never a
 * contact planned for another day.
 */
export async function deliverDueContacts(
  database: Database,
  now: Date,
  adapter: ContactAdapter = devRecorderAdapter,
  limit = 500,
): Promise<number> {
  if (isQuietHour(now.getTime())) return 0;
  const today = new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const due = await database.db
    .select()
    .from(schema.collectionContacts)
    .where(
      and(
        isNull(schema.collectionContacts.sentAt),
        lte(schema.collectionContacts.scheduledAt, now),
        eq(schema.collectionContacts.contactDate, today),
      ),
    )
    .limit(limit);
  let sent = 0;
  for (const c of due) {
    const outcome = await adapter(c);
    const done = await database.db
      .update(schema.collectionContacts)
      .set({ sentAt: now, outcome: c.outcome ? `${c.outcome};${outcome}` : outcome })
      .where(and(eq(schema.collectionContacts.id, c.id), isNull(schema.collectionContacts.sentAt)))
      .returning({ id: schema.collectionContacts.id });
    sent += done.length;
  }
  return sent;
}
