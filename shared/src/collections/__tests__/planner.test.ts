import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CollectionState, nextCollectionState } from '../escalation';
import {
  type ContactChannel,
  isQuietHour,
  type OverdueItem,
  type PastContact,
  type PlannedContact,
  planCollectionContacts,
  reminderInstants,
  shanghaiDateOf,
  shanghaiHourOf,
} from '../planner';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// 2026-11-01 00:00 Asia/Shanghai
const MONTH_START = Date.UTC(2026, 9, 31, 16, 0, 0);
const ALL: ContactChannel[] = ['sms', 'call', 'wechat', 'email', 'letter'];
const STATES: CollectionState[] = [
  'current',
  'reminding',
  'hardship_offered',
  'extended',
  'evasion_suspected',
  'legal',
];

describe('local time helpers', () => {
  it.each([
    { utc: Date.UTC(2026, 10, 1, 0, 0), hour: 8, date: '2026-11-01', quiet: false },
    { utc: Date.UTC(2026, 10, 1, 0, 0) - 1, hour: 7, date: '2026-11-01', quiet: true },
    { utc: Date.UTC(2026, 10, 1, 12, 0) - 1, hour: 19, date: '2026-11-01', quiet: false },
    { utc: Date.UTC(2026, 10, 1, 12, 0), hour: 20, date: '2026-11-01', quiet: true },
    { utc: Date.UTC(2026, 10, 1, 16, 0), hour: 0, date: '2026-11-02', quiet: true },
  ])('$utc → $date $hour:00 quiet=$quiet', ({ utc, hour, date, quiet }) => {
    expect(shanghaiHourOf(utc)).toBe(hour);
    expect(shanghaiDateOf(utc)).toBe(date);
    expect(isQuietHour(utc)).toBe(quiet);
  });
  it('three reminders per installment: D-3, D-1 and D at 10:00 local', () => {
    const r = reminderInstants('2026-12-01');
    expect(r.map((x) => x.localDate)).toEqual(['2026-11-28', '2026-11-30', '2026-12-01']);
    expect(r.every((x) => shanghaiHourOf(x.atMs) === 10)).toBe(true);
  });
});

describe('planCollectionContacts', () => {
  const item = (over: Partial<OverdueItem> = {}): OverdueItem => ({
    userId: 'u1',
    loanId: 'loan_a',
    installmentId: 'ins_a1',
    overdueDays: 10,
    amountDueFen: 100_000n,
    state: 'reminding',
    ...over,
  });
  it('planning at 21:00 schedules nothing before 08:00 the next day', () => {
    const now = MONTH_START + 21 * HOUR_MS;
    const plan = planCollectionContacts({
      nowMs: now,
      items: [item()],
      pastContacts: [],
      channelsByUser: { u1: ALL },
    });
    expect(plan.length).toBeGreaterThan(0);
    for (const p of plan) {
      expect(isQuietHour(p.atMs)).toBe(false);
      expect(p.localDate).toBe('2026-11-02');
    }
  });
  it('the daily cap counts contacts already made today', () => {
    const now = MONTH_START + 9 * HOUR_MS;
    const past: PastContact[] = [0, 1, 2].map((i) => ({
      userId: 'u1',
      channel: 'sms',
      atMs: now - (i + 1) * 60_000,
    }));
    const loans = ['a', 'b', 'c', 'd'].map((l) => item({ loanId: `loan_${l}`, installmentId: `ins_${l}` }));
    const plan = planCollectionContacts({
      nowMs: now,
      horizonMs: 10 * HOUR_MS,
      items: loans,
      pastContacts: past,
      channelsByUser: { u1: ALL },
    });
    expect(plan.filter((p) => p.channel === 'sms')).toEqual([]);
    expect(plan.filter((p) => p.channel === 'wechat')).toHaveLength(3); // 4 loans, cap 3
  });
  it('a channel the user switched off is never used', () => {
    const plan = planCollectionContacts({
      nowMs: MONTH_START,
      items: [item()],
      pastContacts: [],
      channelsByUser: { u1: ['sms'] },
    });
    expect(plan.map((p) => p.channel)).toEqual(['sms']);
  });
  it('extended and current loans get no contact; legal gets only a letter', () => {
    const at = (state: CollectionState) =>
      planCollectionContacts({
        nowMs: MONTH_START,
        items: [item({ state })],
        pastContacts: [],
        channelsByUser: { u1: ALL },
      }).map((p) => p.channel);
    expect(at('extended')).toEqual([]);
    expect(at('current')).toEqual([]);
    expect(at('legal')).toEqual(['letter']);
  });

  it('over a generated month of overdue loans: never in quiet hours, never over 3 per channel per day, only the borrower (property)', () => {
    const loanArb = fc.record({
      user: fc.integer({ min: 0, max: 3 }),
      overdueFrom: fc.integer({ min: 0, max: 29 }),
      state: fc.constantFrom(...STATES),
      installments: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(loanArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.subarray(ALL, { minLength: 0 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: DAY_MS - 1 }), { minLength: 1, maxLength: 3 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.constantFrom(...ALL),
            fc.integer({ min: 0, max: 30 * DAY_MS }),
          ),
          { maxLength: 20 },
        ),
        (loans, channelSets, runOffsets, manual) => {
          const channelsByUser = Object.fromEntries(channelSets.map((c, i) => [`u${i}`, c]));
          // contacts made outside the planner (e.g. a reminder, an agent), also counted by the cap
          const sent: Array<PastContact | PlannedContact> = manual
            .map(([u, channel, off]) => ({ userId: `u${u}`, channel, atMs: MONTH_START + off }))
            .filter((c) => !isQuietHour(c.atMs));
          const runs = [...new Set(runOffsets)].sort((a, b) => a - b);
          for (let day = 0; day < 30; day++) {
            for (let r = 0; r < runs.length; r++) {
              const now = MONTH_START + day * DAY_MS + (runs[r] as number);
              const nextRun =
                r + 1 < runs.length
                  ? MONTH_START + day * DAY_MS + (runs[r + 1] as number)
                  : MONTH_START + (day + 1) * DAY_MS + (runs[0] as number);
              const items: OverdueItem[] = loans.flatMap((l, i) =>
                Array.from({ length: l.installments }, (_, k) => ({
                  userId: `u${l.user}`,
                  loanId: `loan_${i}`,
                  installmentId: `ins_${i}_${k}`,
                  overdueDays: day - l.overdueFrom + k * 30,
                  amountDueFen: 10_000n,
                  state: l.state,
                })),
              );
              const plan = planCollectionContacts({ nowMs: now, items, pastContacts: sent, channelsByUser });
              for (const p of plan) {
                expect(p.recipient).toBe('borrower');
                expect(isQuietHour(p.atMs)).toBe(false);
                expect(p.atMs).toBeGreaterThanOrEqual(now);
                expect(channelsByUser[p.userId]).toContain(p.channel);
                if (p.atMs < nextRun) sent.push(p); // "execute" what is due before the next run
              }
            }
          }
          const perDay = new Map<string, number>();
          for (const c of sent) {
            expect(isQuietHour(c.atMs)).toBe(false);
            const k = `${c.userId}|${c.channel}|${shanghaiDateOf(c.atMs)}`;
            perDay.set(k, (perDay.get(k) ?? 0) + 1);
          }
          const manualPerDay = new Map<string, number>();
          for (const [u, channel, off] of manual) {
            if (isQuietHour(MONTH_START + off)) continue;
            const k = `u${u}|${channel}|${shanghaiDateOf(MONTH_START + off)}`;
            manualPerDay.set(k, (manualPerDay.get(k) ?? 0) + 1);
          }
          for (const [k, n] of perDay) {
            // the planner never adds to a day already at or over the cap
            expect(n).toBeLessThanOrEqual(Math.max(3, manualPerDay.get(k) ?? 0));
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('nextCollectionState', () => {
  const facts = {
    overdueDays: 1,
    hardshipDeclared: false,
    extensionAccepted: false,
    unansweredContacts: 0,
    brokenPromises: 0,
  };
  it.each([
    { name: 'paid', from: 'reminding', f: { overdueDays: 0 }, to: 'current' },
    { name: 'day 2', from: 'current', f: { overdueDays: 2 }, to: 'reminding' },
    { name: 'day 3 → offer', from: 'reminding', f: { overdueDays: 3 }, to: 'hardship_offered' },
    {
      name: 'hardship declared on day 1',
      from: 'reminding',
      f: { hardshipDeclared: true },
      to: 'hardship_offered',
    },
    {
      name: 'accepted',
      from: 'hardship_offered',
      f: { overdueDays: 5, extensionAccepted: true },
      to: 'extended',
    },
    {
      name: 'day 29 silent',
      from: 'hardship_offered',
      f: { overdueDays: 29, unansweredContacts: 50 },
      to: 'hardship_offered',
    },
    {
      name: 'day 30, 10 unanswered',
      from: 'hardship_offered',
      f: { overdueDays: 30, unansweredContacts: 10 },
      to: 'evasion_suspected',
    },
    {
      name: 'day 30, 9 unanswered',
      from: 'hardship_offered',
      f: { overdueDays: 30, unansweredContacts: 9 },
      to: 'hardship_offered',
    },
    {
      name: 'day 30, 2 broken promises',
      from: 'hardship_offered',
      f: { overdueDays: 30, brokenPromises: 2 },
      to: 'evasion_suspected',
    },
    {
      name: 'hardship declared is never evasion',
      from: 'hardship_offered',
      f: { overdueDays: 90, hardshipDeclared: true, unansweredContacts: 99 },
      to: 'hardship_offered',
    },
    {
      name: 'day 59 evading',
      from: 'evasion_suspected',
      f: { overdueDays: 59, unansweredContacts: 20 },
      to: 'evasion_suspected',
    },
    {
      name: 'day 60 evading → legal',
      from: 'evasion_suspected',
      f: { overdueDays: 60, unansweredContacts: 20 },
      to: 'legal',
    },
    { name: 'legal stays legal even if paid', from: 'legal', f: { overdueDays: 0 }, to: 'legal' },
  ] as const)('$name: $from → $to', ({ from, f, to }) => {
    expect(nextCollectionState(from, { ...facts, ...f }).state).toBe(to);
  });
});
