/**
 * Extension points other areas register at import time (no edits to borrower code needed):
 * - `credit_approved`: e.g. issue the digital-mask numbers into the identity vault;
 * - `loan_created`: e.g. render and sign the contract (runs in the transaction that created the loan).
 * Hooks run inside the request's transaction; throwing aborts the request.
 */
import type { AppConfig } from '../config';
import type { Database, Tx } from '../db';
import type { InstallmentRow, LoanRow } from './loan-state';

export interface BorrowerHookArgs {
  credit_approved: { tx: Tx; config: AppConfig; now: Date; userId: string; creditLineId: string };
  loan_created: {
    tx: Tx;
    /** The request's database (work after commit opens its own transaction on it). */
    database: Database;
    config: AppConfig;
    now: Date;
    userId: string;
    loanId: string;
    /** The loan as returned to the client (schedule, rates, disclosure). */
    loan: Record<string, unknown>;
    requestId: string;
    /** The rows just written, when the caller has them (saves the hooks a re-read). */
    rows?: { loan: LoanRow; installments: InstallmentRow[]; virtualId: string | null };
  };
}

type Hook<K extends keyof BorrowerHookArgs> = (args: BorrowerHookArgs[K]) => Promise<void>;

const hooks: { [K in keyof BorrowerHookArgs]: Map<string, Hook<K>> } = {
  credit_approved: new Map(),
  loan_created: new Map(),
};

/** Registers (or replaces, by name) a hook. */
export function registerBorrowerHook<K extends keyof BorrowerHookArgs>(
  kind: K,
  name: string,
  fn: Hook<K>,
): void {
  (hooks[kind] as Map<string, Hook<K>>).set(name, fn);
}

export async function runBorrowerHooks<K extends keyof BorrowerHookArgs>(
  kind: K,
  args: BorrowerHookArgs[K],
): Promise<void> {
  for (const fn of (hooks[kind] as Map<string, Hook<K>>).values()) await fn(args);
}
