/**
 * Collections contact planner (催收). Pure: given overdue installments, the contacts already
 * made and `nowMs`, it plans the contacts of the next planning window. The 23 prohibited
 * practices that a planner can break are made impossible here:
 * - never between 20:00 and 08:00 Asia/Shanghai (UTC+8, no DST): slots are 10:00, 14:00 and
 *   17:00 local, and a slot is used only if it lies inside [08:00, 20:00) and after `nowMs`;
 * - at most 3 contacts per person per channel per local day, counting those already made;
 * - only the borrower is ever contacted: the type has no other recipient, and contacts
 *   (address book) data is not an input at all.
 * Contact intensity follows the escalation state (see escalation.ts).
 */
import type { CollectionState } from './escalation';

export type ContactChannel = 'sms' | 'call' | 'wechat' | 'email' | 'letter';
export type ContactKind = 'reminder' | 'collection' | 'hardship_offer' | 'legal';

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Contacts allowed from 08:00 (inclusive) to 20:00 (exclusive) local time. */
export const CONTACT_WINDOW_START_HOUR = 8;
export const CONTACT_WINDOW_END_HOUR = 20;
export const CONTACTS_PER_CHANNEL_PER_DAY_MAX = 3;
/** Local hours of the planner's slots (all inside the allowed window). */
export const CONTACT_SLOT_HOURS: readonly number[] = [10, 14, 17];
export const PLAN_ITEMS_MAX = 10_000;

export interface OverdueItem {
  userId: string;
  loanId: string;
  installmentId: string;
  overdueDays: number;
  amountDueFen: bigint;
  state: CollectionState;
}

export interface PastContact {
  userId: string;
  channel: ContactChannel;
  atMs: number;
}

export interface PlannedContact {
  userId: string;
  loanId: string;
  installmentId: string;
  /** Always the borrower themself: third parties are never contacted. */
  recipient: 'borrower';
  channel: ContactChannel;
  kind: ContactKind;
  atMs: number;
  /** Local (Asia/Shanghai) business date of `atMs`, the unit of the daily cap. */
  localDate: string;
}

export interface PlanInput {
  nowMs: number;
  /** Plan contacts with `nowMs ≤ atMs < nowMs + horizonMs` (default 24 h). */
  horizonMs?: number;
  items: readonly OverdueItem[];
  pastContacts: readonly PastContact[];
  /** Channels each user allows (notifications authorisations); missing user → none. */
  channelsByUser: Readonly<Record<string, readonly ContactChannel[]>>;
}

/** Local date `YYYY-MM-DD` (Asia/Shanghai) of an instant. */
export function shanghaiDateOf(atMs: number): string {
  const d = Math.floor((atMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  // civil-from-days (Hinnant)
  const z = d + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Local hour (0–23, Asia/Shanghai) of an instant. */
export function shanghaiHourOf(atMs: number): number {
  const local = (((atMs + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(local / HOUR_MS);
}

export function isQuietHour(atMs: number): boolean {
  const h = shanghaiHourOf(atMs);
  return h < CONTACT_WINDOW_START_HOUR || h >= CONTACT_WINDOW_END_HOUR;
}

/** 00:00 local of the day containing `atMs`, as an instant. */
function localMidnight(atMs: number): number {
  return Math.floor((atMs + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** What a state asks for per loan per day: channel → kind. Empty: no contact. */
export function contactsForState(
  state: CollectionState,
  overdueDays: number,
): Array<{ channel: ContactChannel; kind: ContactKind }> {
  switch (state) {
    case 'current':
    case 'extended':
      return [];
    case 'reminding':
      return overdueDays <= 3
        ? [{ channel: 'wechat', kind: 'collection' }]
        : [
            { channel: 'wechat', kind: 'collection' },
            { channel: 'sms', kind: 'collection' },
          ];
    case 'hardship_offered':
      return [
        { channel: 'wechat', kind: 'hardship_offer' },
        { channel: 'sms', kind: 'collection' },
        ...(overdueDays > 15 ? [{ channel: 'call' as const, kind: 'collection' as const }] : []),
      ];
    case 'evasion_suspected':
      return [
        { channel: 'sms', kind: 'collection' },
        { channel: 'call', kind: 'collection' },
      ];
    case 'legal':
      return [{ channel: 'letter', kind: 'legal' }];
  }
}

/**
 * Plan the contacts of the window. Deterministic; for each (user, channel, local day) it uses
 * at most the slots left under the cap, one loan per slot, loans in id order.
 */
export function planCollectionContacts(input: PlanInput): PlannedContact[] {
  if (input.items.length > PLAN_ITEMS_MAX) throw new Error('collections: too many items');
  const horizonMs = input.horizonMs ?? DAY_MS;
  if (!(horizonMs > 0 && horizonMs <= 7 * DAY_MS)) throw new Error('collections: horizon out of range');
  const endMs = input.nowMs + horizonMs;

  // Contacts already made or planned, per user|channel|date.
  const used = new Map<string, number>();
  const usedSlots = new Set<string>();
  const key = (u: string, c: ContactChannel, d: string) => `${u}|${c}|${d}`;
  for (const p of input.pastContacts) {
    const k = key(p.userId, p.channel, shanghaiDateOf(p.atMs));
    used.set(k, (used.get(k) ?? 0) + 1);
    usedSlots.add(`${p.userId}|${p.channel}|${p.atMs}`);
  }

  // One contact per loan per channel per day (the oldest overdue installment represents it).
  const byLoan = new Map<string, OverdueItem>();
  for (const it of [...input.items].sort((a, b) =>
    a.loanId < b.loanId ? -1 : a.loanId > b.loanId ? 1 : b.overdueDays - a.overdueDays,
  )) {
    if (it.overdueDays <= 0) continue;
    if (!byLoan.has(it.loanId)) byLoan.set(it.loanId, it);
  }

  const plan: PlannedContact[] = [];
  for (let dayStart = localMidnight(input.nowMs); dayStart < endMs; dayStart += DAY_MS) {
    const slots = CONTACT_SLOT_HOURS.map((h) => dayStart + h * HOUR_MS).filter(
      (t) => t >= input.nowMs && t < endMs && !isQuietHour(t),
    );
    if (slots.length === 0) continue;
    const date = shanghaiDateOf(dayStart);
    const dayOffset = Math.round((dayStart - localMidnight(input.nowMs)) / DAY_MS);
    for (const item of byLoan.values()) {
      const allowed = input.channelsByUser[item.userId] ?? [];
      for (const want of contactsForState(item.state, item.overdueDays + dayOffset)) {
        if (!allowed.includes(want.channel)) continue;
        const k = key(item.userId, want.channel, date);
        const count = used.get(k) ?? 0;
        if (count >= CONTACTS_PER_CHANNEL_PER_DAY_MAX) continue;
        const slot = slots.find((t) => !usedSlots.has(`${item.userId}|${want.channel}|${t}`));
        if (slot === undefined) continue;
        usedSlots.add(`${item.userId}|${want.channel}|${slot}`);
        used.set(k, count + 1);
        plan.push({
          userId: item.userId,
          loanId: item.loanId,
          installmentId: item.installmentId,
          recipient: 'borrower',
          channel: want.channel,
          kind: want.kind,
          atMs: slot,
          localDate: date,
        });
      }
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs || (a.loanId < b.loanId ? -1 : 1));
}

/**
 * Pre-due reminders: three per installment period (3 days before, the day before, the due
 * day), 10:00 local, through the WeChat subscribe-message channel.
 */
export const REMINDER_OFFSETS_DAYS: readonly number[] = [-3, -1, 0];
export const REMINDER_HOUR = 10;

export function reminderInstants(
  dueDate: string,
): Array<{ sequence: number; localDate: string; atMs: number }> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dueDate);
  if (!m) throw new Error('collections: bad due date');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // days-from-civil (Hinnant)
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const dueDays = era * 146097 + doe - 719468;
  return REMINDER_OFFSETS_DAYS.map((off, i) => {
    const atMs = (dueDays + off) * DAY_MS + REMINDER_HOUR * HOUR_MS - SHANGHAI_OFFSET_MS;
    return { sequence: i + 1, localDate: shanghaiDateOf(atMs), atMs };
  });
}
