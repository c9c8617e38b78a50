/**
 * Contract evidence (合同存证): each loan contract is rendered and signed with the borrower's
 * confirmation inside the borrower's transaction, then sealed into a tamper-evident hash
 * chain after commit — the local stand-in for the regulators' blockchain anchoring in the
 * brief, which a real lender also does asynchronously.
 *
 *   document_hash = SHA-256(canonical JSON of the stored document, text included)
 *   signature     = HMAC-SHA256(evidence key, document_hash ‖ user ‖ signed_at ‖ confirmation)
 *   content_hash  = SHA-256(canonical {id, seq, loan_id, user_id, document_hash, signature, signed_at})
 *   chain_hash    = SHA-256("fenqi-chain-v1\n" seq "\n" prev_hash "\n" content_hash)
 *
 * Signing (`signContract`) takes no lock and reads nothing: one INSERT with seq, prev_hash
 * and chain_hash NULL ("pending"). Chaining needs the chain head, so it serialises; doing it
 * in the request held `pg_advisory_xact_lock` until the borrow committed, and at 8
 * concurrent borrowers the lock statement waited 42 ms on average — every borrow in line.
 * The sealer (`sealContracts`) takes that lock in its own short transaction after commit
 * (after-commit trigger, per-minute cron). Between commit and seal a contract is protected by
 * its document hash and HMAC signature (the evidence of what the borrower confirmed); the
 * seal adds the order and the link that make deleting or reordering records visible.
 *
 * Changing one byte of a stored document, signature, id or hash breaks the record's own
 * check (or the next record's link) and the verifier names that record.
 */
import { createHmac } from 'node:crypto';
import { deferWrite, rowsOf } from '@fenqi/db';
import { and, asc, desc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, schema, type Tx, withTransaction } from '../db';
import { type ContractTerms, contractDocument } from '../risk/shared';
import { walkChain } from './chain';
import {
  CHAIN_GENESIS_HASH,
  CHAIN_PROBLEMS_MAX,
  type ChainProblem,
  type ChainReport,
  canonicalJson,
  linkHash,
  sha256Hex,
} from './hash';

const CONTRACT_LOCK_KEY = 7_261_002;
const PAGE_ROWS = 500;
/** Pending rows one sealing transaction chains (one UPDATE); the sealer loops until none are left. */
export const SEAL_BATCH_ROWS = 500;
/**
 * How long a contract may stay pending before verification reports it `unsealed`: the
 * after-commit trigger seals within seconds and the per-minute cron retries, so ten minutes
 * means about ten cron passes failed.
 */
export const CONTRACT_SEAL_DEADLINE_MS = 10 * 60_000;

/** The evidence signing key, derived from the session secret (a secret from env in production). */
export function evidenceKey(config: Pick<AppConfig, 'sessionSecret'>): Buffer {
  return createHmac('sha256', config.sessionSecret).update('fenqi-contract-evidence-v1').digest();
}

function signatureOf(
  key: Buffer,
  documentHash: string,
  userId: string,
  signedAt: string,
  confirmation: string,
): string {
  return createHmac('sha256', key)
    .update(`${documentHash}\n${userId}\n${signedAt}\n${confirmation}`)
    .digest('hex');
}

type ContractRow = typeof schema.contracts.$inferSelect;
type SealedRow = ContractRow & { seq: number; prevHash: string; chainHash: string };
type ContentFields = Pick<
  ContractRow,
  'id' | 'loanId' | 'userId' | 'documentHash' | 'signature' | 'signedAt'
>;

function contentHashOf(r: ContentFields & { seq: number }): string {
  return sha256Hex(
    canonicalJson({
      id: r.id,
      seq: r.seq,
      loan_id: r.loanId,
      user_id: r.userId,
      document_hash: r.documentHash,
      signature: r.signature ?? null,
      signed_at: r.signedAt.toISOString(),
    }),
  );
}

export interface SignedContract {
  id: string;
  /** NULL until the sealer chained it. */
  seq: number | null;
  documentHash: string;
  chainHash: string | null;
  text: string;
}

export interface SignOptions {
  /**
   * The loan was created in this same transaction, so no contract can exist for it yet: skip
   * the look-up (the unique index on loan_id still guards it). The borrow path's one contract
   * statement is then the INSERT.
   */
  freshLoan?: boolean;
}

/**
 * Renders and signs a contract inside the caller's (loan-creating) transaction, stored
 * pending (seq NULL) for the sealer. `terms.signedAt` must be the confirmation instant
 * (RFC 3339, millisecond precision). One contract per loan (unique); without `freshLoan`,
 * calling again for the same loan returns the stored one.
 */
export async function signContract(
  tx: Tx,
  config: Pick<AppConfig, 'sessionSecret'>,
  terms: ContractTerms,
  options: SignOptions = {},
): Promise<SignedContract> {
  if (!options.freshLoan) {
    const [existing] = await tx
      .select()
      .from(schema.contracts)
      .where(eq(schema.contracts.loanId, terms.loanId));
    if (existing) {
      return {
        id: existing.id,
        seq: existing.seq,
        documentHash: existing.documentHash,
        chainHash: existing.chainHash,
        text: String((existing.document as { text?: unknown }).text ?? ''),
      };
    }
  }
  const document = contractDocument(terms);
  const documentHash = sha256Hex(canonicalJson(document));
  const signedAt = new Date(terms.signedAt);
  if (Number.isNaN(signedAt.getTime()) || signedAt.toISOString() !== terms.signedAt)
    throw new Error('contract: signedAt must be RFC 3339 with milliseconds');
  const signature = signatureOf(
    evidenceKey(config),
    documentHash,
    terms.userId,
    terms.signedAt,
    terms.confirmationMethod,
  );
  const insert = tx.insert(schema.contracts).values({
    id: terms.contractId,
    loanId: terms.loanId,
    userId: terms.userId,
    documentHash,
    document,
    signature,
    signedAt,
    createdAt: signedAt,
  });
  // A fresh loan's contract is read by nobody else in this transaction: it goes with the
  // transaction's last statement (db/src/deferred.ts) instead of a round trip of its own.
  if (options.freshLoan) await deferWrite(tx, insert);
  else await insert;
  return { id: terms.contractId, seq: null, documentHash, chainHash: null, text: String(document.text) };
}

/** One pending row's place in the chain, as the sealer computes it. */
export interface SealLink {
  id: string;
  seq: number;
  prevHash: string;
  chainHash: string;
}

/** Pure: chains `pending` (in sealing order) after the head (`null` = empty chain). */
export function sealLinks(
  head: { seq: number; chainHash: string } | null,
  pending: readonly ContentFields[],
): SealLink[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.chainHash ?? CHAIN_GENESIS_HASH;
  return pending.map((r) => {
    seq += 1;
    const chainHash = linkHash(seq, prevHash, contentHashOf({ ...r, seq }));
    const link = { id: r.id, seq, prevHash, chainHash };
    prevHash = chainHash;
    return link;
  });
}

/**
 * Chains every committed pending contract, oldest first ((created_at, id) order), in
 * batches of `SEAL_BATCH_ROWS`, each its own short transaction under the chain lock: read
 * the head, read the batch, one UPDATE. The UPDATE only touches rows still pending, and a
 * batch that does not land whole rolls back, so two sealers racing (the lock serialises
 * them anyway) can never seal a row twice or fork the chain. Returns how many it sealed;
 * with nothing pending it is a no-op. Rows of transactions not yet committed are left for
 * the next run.
 */
export async function sealContracts(
  database: Database,
  options: { now: Date; batchRows?: number },
): Promise<number> {
  const batchRows = options.batchRows ?? SEAL_BATCH_ROWS;
  let sealed = 0;
  for (;;) {
    const n = await withTransaction(database, (tx) => sealBatch(tx, options.now, batchRows));
    sealed += n;
    if (n < batchRows) return sealed;
  }
}

async function sealBatch(tx: Tx, now: Date, batchRows: number): Promise<number> {
  const c = schema.contracts;
  await tx.execute(sql`select pg_advisory_xact_lock(${CONTRACT_LOCK_KEY})`);
  // statements after the lock see every seal committed before it was granted
  const [head] = await tx
    .select({ seq: c.seq, chainHash: c.chainHash })
    .from(c)
    .where(isNotNull(c.seq))
    .orderBy(desc(c.seq))
    .limit(1);
  const pending = await tx
    .select({
      id: c.id,
      loanId: c.loanId,
      userId: c.userId,
      documentHash: c.documentHash,
      signature: c.signature,
      signedAt: c.signedAt,
    })
    .from(c)
    .where(isNull(c.seq))
    .orderBy(asc(c.createdAt), asc(c.id))
    .limit(batchRows);
  if (pending.length === 0) return 0;
  const links = sealLinks(
    head?.seq != null && head.chainHash != null ? { seq: head.seq, chainHash: head.chainHash } : null,
    pending,
  );
  const values = sql.join(
    links.map((l) => sql`(${l.id}, ${l.seq}::bigint, ${l.prevHash}, ${l.chainHash})`),
    sql`, `,
  );
  const result = await tx.execute(sql`
    update contracts c
       set seq = v.seq, prev_hash = v.prev_hash, chain_hash = v.chain_hash,
           sealed_at = ${now.toISOString()}::timestamptz
      from (values ${values}) as v(id, seq, prev_hash, chain_hash)
     where c.id = v.id and c.seq is null
    returning c.id`);
  const updated = rowsOf(result).length;
  if (updated !== links.length)
    throw new Error(`contract sealing: ${updated} of ${links.length} rows still pending, not sealed`);
  return updated;
}

/** The verification of every contract: the sealed chain plus the pending rows. */
export interface ContractChainReport extends ChainReport {
  /** Signed contracts not yet sealed into the chain (not counted in `records`). */
  pending: number;
}

/**
 * Verifies every contract. Sealed rows: document hash, signature (when a key is given),
 * link and chain hash, in seq order. Pending rows: document hash and signature (they have no
 * link yet), counted in `pending`; with `now` given, a row pending longer than
 * `CONTRACT_SEAL_DEADLINE_MS` is reported `unsealed` (the sealer is not running). Read-only:
 * seal first (`sealContracts`) to verify the chain as it would be.
 */
export async function verifyContractChain(
  db: Database['db'] | Tx,
  key?: Buffer,
  options: { now?: Date } = {},
): Promise<ContractChainReport> {
  const checkSigned = (
    r: ContractRow,
    report: (problem: ChainProblem['problem'], detail: string) => void,
  ) => {
    if (sha256Hex(canonicalJson(r.document)) !== r.documentHash)
      report('document_altered', 'the stored document does not match its hash');
    const confirmation = String((r.document as { confirmation_method?: unknown }).confirmation_method ?? '');
    if (
      key &&
      r.signature !== signatureOf(key, r.documentHash, r.userId, r.signedAt.toISOString(), confirmation)
    )
      report('content_altered', 'the signature does not match');
  };
  const sealed = await walkChain<SealedRow>({
    chain: 'contracts',
    pageRows: PAGE_ROWS,
    page: async (after, limit) =>
      (await db
        .select()
        .from(schema.contracts)
        .where(gt(schema.contracts.seq, after))
        .orderBy(asc(schema.contracts.seq))
        .limit(limit)) as SealedRow[],
    seq: (r) => r.seq,
    id: (r) => r.id,
    prevHash: (r) => r.prevHash,
    hash: (r) => r.chainHash,
    previousName: 'contract',
    check(r, report) {
      checkSigned(r, report);
      if (linkHash(r.seq, r.prevHash, contentHashOf(r)) !== r.chainHash)
        report('hash_altered', 'the record does not match its chain hash');
    },
  });

  const problems = [...sealed.problems];
  const staleBeforeMs = options.now ? options.now.getTime() - CONTRACT_SEAL_DEADLINE_MS : null;
  let pending = 0;
  let after = '';
  for (;;) {
    // by id: the order does not matter here, and a text key pages exactly
    const page: ContractRow[] = await db
      .select()
      .from(schema.contracts)
      .where(and(isNull(schema.contracts.seq), gt(schema.contracts.id, after)))
      .orderBy(asc(schema.contracts.id))
      .limit(PAGE_ROWS);
    for (const r of page) {
      pending += 1;
      const report = (problem: ChainProblem['problem'], detail: string) => {
        if (problems.length < CHAIN_PROBLEMS_MAX) problems.push({ seq: null, id: r.id, problem, detail });
      };
      checkSigned(r, report);
      if (staleBeforeMs !== null && r.createdAt.getTime() < staleBeforeMs)
        report('unsealed', `pending for more than ${CONTRACT_SEAL_DEADLINE_MS / 60_000} minutes`);
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE_ROWS) break;
    after = last.id;
  }
  return { ...sealed, ok: problems.length === 0, problems, pending };
}

/** A user's own contract for a loan (text and evidence), or undefined. */
export async function findContract(
  db: Database['db'] | Tx,
  where: { loanId: string; userId: string },
): Promise<ContractRow | undefined> {
  const [row] = await db
    .select()
    .from(schema.contracts)
    .where(and(eq(schema.contracts.loanId, where.loanId), eq(schema.contracts.userId, where.userId)));
  return row;
}
