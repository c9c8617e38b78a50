/**
 * Double-entry ledger (chart of accounts in db/LEDGER.md).
 *
 * Postings are signed integer fen: debit positive, credit negative. A transaction's postings
 * sum to zero per currency — checked here before writing, and again by the database at
 * commit (deferred constraint trigger `ledger_postings_balanced`, migration 0001). Postings
 * and transactions are append-only (UPDATE / DELETE refused by triggers). Balances are
 * derived from postings; there is no cached balance.
 */
import { eq, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import { newId } from './ids';
import { ledgerAccounts, ledgerPostings } from './schema';

export const SYSTEM_OWNER = 'system';
export const CURRENCY = 'CNY';

/** Account codes and their normal side. */
export const ACCOUNT_CODES = {
  /** Cash at the licensed institution's bank (asset, system). */
  bank: 'debit',
  /** Principal booked but not yet paid out (cooling-off, pending payout) (asset, system). */
  disbursement_clearing: 'debit',
  /** Principal the borrower owes (asset, per user). */
  loan_principal_receivable: 'debit',
  /** Interest accrued and not yet paid (asset, per user) — used by accrual postings. */
  interest_receivable: 'debit',
  interest_income: 'credit',
  fee_income: 'credit',
  penalty_income: 'credit',
  /** Owed to a merchant for captured orders, reduced by refunds (liability, per merchant). */
  merchant_payable: 'credit',
  /** Overpayments kept for the borrower (liability, per user). */
  user_credit_balance: 'credit',
  /** Memorandum pair for checkout holds: debit per user, contra credit (system). */
  credit_hold: 'debit',
  credit_hold_contra: 'credit',
} as const;

export type AccountCode = keyof typeof ACCOUNT_CODES;

export interface AccountRef {
  code: AccountCode;
  /** `system`, a user id or a merchant id. */
  ownerId: string;
  currency?: string;
}

export interface PostingInput {
  account: AccountRef;
  /** Signed fen: debit positive, credit negative; never zero. */
  amountFen: bigint;
}

export interface LedgerTransactionInput {
  kind: string;
  /** Idempotent transfer id; unique across the ledger. Defaults to a fresh id. */
  externalId?: string;
  idempotencyRef?: string;
  refType?: string;
  refId?: string;
  description?: string;
  effectiveAt: Date;
  postings: PostingInput[];
}

export const POSTINGS_PER_TRANSACTION_MAX = 32;

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

export function accountId(ref: AccountRef): string {
  return `acct_${ref.code}.${ref.ownerId}.${ref.currency ?? CURRENCY}`;
}

export const systemAccount = (code: AccountCode): AccountRef => ({ code, ownerId: SYSTEM_OWNER });

/** Debit `amountFen` to `debit` and credit it to `credit`. */
export function transfer(debit: AccountRef, credit: AccountRef, amountFen: bigint): PostingInput[] {
  if (amountFen <= 0n) throw new LedgerError('transfer amount must be positive');
  return [
    { account: debit, amountFen },
    { account: credit, amountFen: -amountFen },
  ];
}

/** Sum of postings per currency; all must be zero for a balanced transaction. */
export function unbalancedCurrencies(
  postings: readonly PostingInput[],
): Array<{ currency: string; sumFen: bigint }> {
  const sums = new Map<string, bigint>();
  for (const p of postings) {
    const currency = p.account.currency ?? CURRENCY;
    sums.set(currency, (sums.get(currency) ?? 0n) + p.amountFen);
  }
  return [...sums].filter(([, sum]) => sum !== 0n).map(([currency, sumFen]) => ({ currency, sumFen }));
}

/** Drop zero postings and merge postings to the same account. */
export function compactPostings(postings: readonly PostingInput[]): PostingInput[] {
  const byAccount = new Map<string, PostingInput>();
  for (const p of postings) {
    const id = accountId(p.account);
    const prev = byAccount.get(id);
    byAccount.set(id, { account: p.account, amountFen: (prev?.amountFen ?? 0n) + p.amountFen });
  }
  return [...byAccount.values()].filter((p) => p.amountFen !== 0n);
}

/** Validate a transaction's postings (balanced, bounded, known accounts); returns them compacted. */
export function checkedPostings(input: LedgerTransactionInput): PostingInput[] {
  const postings = compactPostings(input.postings);
  if (postings.length < 2)
    throw new LedgerError(`ledger transaction ${input.kind} needs at least two postings`);
  if (postings.length > POSTINGS_PER_TRANSACTION_MAX) throw new LedgerError('too many postings');
  const unbalanced = unbalancedCurrencies(postings);
  if (unbalanced.length > 0) {
    throw new LedgerError(
      `ledger transaction ${input.kind} is unbalanced: ${unbalanced.map((u) => `${u.sumFen} ${u.currency}`).join(', ')}`,
    );
  }
  for (const p of postings) {
    if (!(p.account.code in ACCOUNT_CODES)) throw new LedgerError(`unknown account code ${p.account.code}`);
    if (!p.account.ownerId) throw new LedgerError('account owner is required');
  }
  return postings;
}

/**
 * The ledger transaction as three CTEs (`<name>_acc`, `<name>_tx`, `<name>_post`) to embed in
 * a larger statement; nothing is written unless `condition` holds.
 */
export function ledgerCtes(
  input: LedgerTransactionInput,
  name: string,
  condition: SQL = sql`true`,
): { id: string; ctes: SQL[] } {
  const postings = checkedPostings(input);
  const id = newId('ltx');
  const accounts = new Map<string, AccountRef>();
  for (const p of postings) accounts.set(accountId(p.account), p.account);
  const accountRows = JSON.stringify(
    [...accounts].map(([aid, a]) => ({
      id: aid,
      code: a.code,
      owner_id: a.ownerId,
      currency: a.currency ?? CURRENCY,
      normal_balance: ACCOUNT_CODES[a.code],
    })),
  );
  const postingRows = JSON.stringify(
    postings.map((p) => ({
      account_id: accountId(p.account),
      currency: p.account.currency ?? CURRENCY,
      amount_fen: p.amountFen.toString(),
    })),
  );
  const n = sql.raw(name);
  return {
    id,
    ctes: [
      sql`${n}_acc as (
        insert into ledger_accounts (id, code, owner_id, currency, normal_balance)
        select id, code, owner_id, currency, normal_balance
        from jsonb_to_recordset(${accountRows}::jsonb)
          as v (id text, code text, owner_id text, currency text, normal_balance text)
        where ${condition}
        on conflict do nothing)`,
      sql`${n}_tx as (
        insert into ledger_transactions (id, kind, external_id, idempotency_ref, ref_type, ref_id, description, effective_at)
        select ${id}::text, ${input.kind}::text, ${input.externalId ?? id}::text, ${input.idempotencyRef ?? null}::text,
          ${input.refType ?? null}::text, ${input.refId ?? null}::text, ${input.description ?? null}::text,
          ${input.effectiveAt.toISOString()}::timestamptz
        where ${condition})`,
      sql`${n}_post as (
        insert into ledger_postings (transaction_id, account_id, currency, amount_fen)
        select ${id}::text, account_id, currency, amount_fen
        from jsonb_to_recordset(${postingRows}::jsonb) as v (account_id text, currency text, amount_fen bigint)
        where ${condition})`,
    ],
  };
}

/**
 * Write one balanced ledger transaction in one statement (accounts upserted, transaction and
 * postings inserted). Throws `LedgerError` for an unbalanced or empty transaction.
 */
export async function postLedgerTransaction(
  tx: DbOrTx,
  input: LedgerTransactionInput,
): Promise<{ id: string }> {
  const { id, ctes } = ledgerCtes(input, 'l');
  await tx.execute(sql`with ${sql.join(ctes, sql`, `)} select 1`);
  return { id };
}

/** Balance of one account (debit positive), derived from its postings. */
export async function accountBalance(db: DbOrTx, ref: AccountRef): Promise<bigint> {
  const rows = await db
    .select({ sum: sql<string | null>`sum(${ledgerPostings.amountFen})::text` })
    .from(ledgerPostings)
    .where(eq(ledgerPostings.accountId, accountId(ref)));
  return BigInt(rows[0]?.sum ?? '0');
}

/** Balances of every account of an owner, by code (debit positive). */
export async function ownerBalances(
  db: DbOrTx,
  ownerId: string,
): Promise<Partial<Record<AccountCode, bigint>>> {
  const rows = await db
    .select({ code: ledgerAccounts.code, sum: sql<string | null>`sum(${ledgerPostings.amountFen})::text` })
    .from(ledgerAccounts)
    .leftJoin(ledgerPostings, eq(ledgerPostings.accountId, ledgerAccounts.id))
    .where(eq(ledgerAccounts.ownerId, ownerId))
    .groupBy(ledgerAccounts.code);
  const out: Partial<Record<AccountCode, bigint>> = {};
  for (const r of rows) out[r.code as AccountCode] = BigInt(r.sum ?? '0');
  return out;
}
