/**
 * Collection state of one overdue loan, and how it moves. Differentiated handling from the
 * brief: people in temporary hardship get an extension offer (展期, re-amortised with no
 * penalty); deliberate evaders are escalated to legal process — never to harassment or third
 * parties.
 *
 *   current ──overdue──▶ reminding ──day 3──▶ hardship_offered ──accepts──▶ extended
 *                                              │
 *                 day ≥ 30 and (≥ 10 unanswered contacts or ≥ 2 broken promises)
 *                 and no hardship declared     ▼
 *                                      evasion_suspected ──day ≥ 60──▶ legal
 * Paying the overdue amount returns the loan to `current` from any state but `legal`
 * (legal process is closed by staff).
 */
export type CollectionState =
  | 'current'
  | 'reminding'
  | 'hardship_offered'
  | 'extended'
  | 'evasion_suspected'
  | 'legal';

export interface CollectionFacts {
  overdueDays: number;
  /** The borrower told us (in the app) they are in temporary hardship. */
  hardshipDeclared: boolean;
  extensionAccepted: boolean;
  /** Contacts made since the loan became overdue with no response at all. */
  unansweredContacts: number;
  /** Promises to pay that were not kept. */
  brokenPromises: number;
}

export const HARDSHIP_OFFER_DAY = 3;
export const EVASION_MIN_OVERDUE_DAYS = 30;
export const EVASION_UNANSWERED_MIN = 10;
export const EVASION_BROKEN_PROMISES_MIN = 2;
export const LEGAL_MIN_OVERDUE_DAYS = 60;

export interface Transition {
  state: CollectionState;
  reason: string;
}

export function nextCollectionState(current: CollectionState, f: CollectionFacts): Transition {
  if (current === 'legal') return { state: 'legal', reason: 'legal process is closed by staff only' };
  if (f.overdueDays <= 0) return { state: 'current', reason: 'nothing overdue' };
  if (f.extensionAccepted || current === 'extended') {
    return { state: 'extended', reason: 'the borrower accepted an extension' };
  }
  const evasive =
    !f.hardshipDeclared &&
    f.overdueDays >= EVASION_MIN_OVERDUE_DAYS &&
    (f.unansweredContacts >= EVASION_UNANSWERED_MIN || f.brokenPromises >= EVASION_BROKEN_PROMISES_MIN);
  if (current === 'evasion_suspected' && f.overdueDays >= LEGAL_MIN_OVERDUE_DAYS && evasive) {
    return {
      state: 'legal',
      reason: `still evading at ${f.overdueDays} days overdue: handed to legal process`,
    };
  }
  if (evasive) {
    return {
      state: 'evasion_suspected',
      reason: `${f.overdueDays} days overdue, ${f.unansweredContacts} unanswered contacts, ${f.brokenPromises} broken promises`,
    };
  }
  if (f.hardshipDeclared || f.overdueDays >= HARDSHIP_OFFER_DAY) {
    return {
      state: 'hardship_offered',
      reason: f.hardshipDeclared ? 'hardship declared: extension offered' : 'extension offered from day 3',
    };
  }
  return { state: 'reminding', reason: `${f.overdueDays} days overdue` };
}
