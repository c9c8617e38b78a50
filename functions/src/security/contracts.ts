/**
 * Contract evidence (合同存证): each loan contract is rendered, signed with the borrower's
 * confirmation and appended to a tamper-evident hash chain — the local stand-in for the
 * regulators' blockchain anchoring in the brief.
 *
 *   document_hash = SHA-256(canonical JSON of the stored document, text included)
 *   signature     = HMAC-SHA256(evidence key, document_hash ‖ user ‖ signed_at ‖ confirmation)
 *   content_hash  = SHA-256(canonical {id, seq, loan_id, user_id, document_hash, signature, signed_at})
 *   chain_hash    = SHA-256("fenqi-chain-v1\n" seq "\n" prev_hash "\n" content_hash)
 *
 * Changing one byte of a stored document, signature, id or hash breaks the record's own
 * check (or the next record's link) and the verifier names that record.
 */
import { createHmac } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { AppConfig } from '../config';
import { type Database, schema, type Tx } from '../db';
import { type ContractTerms, contractDocument } from '../risk/shared';
import { walkChain } from './chain';
import { CHAIN_GENESIS_HASH, type ChainReport, canonicalJson, linkHash, sha256Hex } from './hash';

const CONTRACT_LOCK_KEY = 7_261_002;
const PAGE_ROWS = 500;

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

function contentHashOf(
  r: Pick<ContractRow, 'id' | 'seq' | 'loanId' | 'userId' | 'documentHash' | 'signature' | 'signedAt'>,
): string {
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
  seq: number;
  documentHash: string;
  chainHash: string;
  text: string;
}

/**
 * Renders, signs and chains a contract inside the caller's (loan-creating) transaction.
 * `terms.signedAt` must be the confirmation instant (RFC 3339, millisecond precision).
 * One contract per loan (unique); calling again for the same loan returns the stored one.
 */
export async function signAndChainContract(
  tx: Tx,
  config: Pick<AppConfig, 'sessionSecret'>,
  terms: ContractTerms,
): Promise<SignedContract> {
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

  await tx.execute(sql`select pg_advisory_xact_lock(${CONTRACT_LOCK_KEY})`);
  const [last] = await tx
    .select({ seq: schema.contracts.seq, chainHash: schema.contracts.chainHash })
    .from(schema.contracts)
    .orderBy(desc(schema.contracts.seq))
    .limit(1);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.chainHash ?? CHAIN_GENESIS_HASH;
  const row = {
    id: terms.contractId,
    seq,
    loanId: terms.loanId,
    userId: terms.userId,
    documentHash,
    signature,
    signedAt,
  };
  const chainHash = linkHash(seq, prevHash, contentHashOf(row));
  await tx.insert(schema.contracts).values({ ...row, document, prevHash, chainHash, createdAt: signedAt });
  return { id: row.id, seq, documentHash, chainHash, text: String(document.text) };
}

/** Verifies every contract: document hash, signature (when a key is given), link and chain hash. */
export async function verifyContractChain(db: Database['db'] | Tx, key?: Buffer): Promise<ChainReport> {
  return walkChain<ContractRow>({
    chain: 'contracts',
    pageRows: PAGE_ROWS,
    page: (after, limit) =>
      db
        .select()
        .from(schema.contracts)
        .where(gt(schema.contracts.seq, after))
        .orderBy(asc(schema.contracts.seq))
        .limit(limit),
    seq: (r) => r.seq,
    id: (r) => r.id,
    prevHash: (r) => r.prevHash,
    hash: (r) => r.chainHash,
    previousName: 'contract',
    check(r, report) {
      if (sha256Hex(canonicalJson(r.document)) !== r.documentHash)
        report('document_altered', 'the stored document does not match its hash');
      const confirmation = String(
        (r.document as { confirmation_method?: unknown }).confirmation_method ?? '',
      );
      if (
        key &&
        r.signature !== signatureOf(key, r.documentHash, r.userId, r.signedAt.toISOString(), confirmation)
      )
        report('content_altered', 'the signature does not match');
      if (linkHash(r.seq, r.prevHash, contentHashOf(r)) !== r.chainHash)
        report('hash_altered', 'the record does not match its chain hash');
    },
  });
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
