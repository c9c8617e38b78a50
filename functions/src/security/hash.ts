/** SHA-256 helpers for the evidence chains (audit log, contracts). */
import { createHash } from 'node:crypto';
import { CHAIN_GENESIS_HASH, canonicalJson, chainLinkPayload } from '../risk/shared';

export { CHAIN_GENESIS_HASH, canonicalJson };

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** chain_hash = SHA-256("fenqi-chain-v1\n<seq>\n<prev_hash>\n<content_hash>"). */
export function linkHash(seq: number, prevHash: string, contentHash: string): string {
  return sha256Hex(chainLinkPayload(seq, prevHash, contentHash));
}

/** One problem found by a chain verification, naming the record. */
export interface ChainProblem {
  /** NULL for a contract not yet sealed into the chain (pending). */
  seq: number | null;
  id: string;
  problem:
    | 'content_altered'
    | 'link_broken'
    | 'hash_altered'
    | 'sequence_gap'
    | 'document_altered'
    /** a contract pending longer than the sealing deadline */
    | 'unsealed';
  detail: string;
}

export interface ChainReport {
  chain: 'audit_log' | 'contracts';
  ok: boolean;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** At most `CHAIN_PROBLEMS_MAX`, in seq order. */
  problems: ChainProblem[];
}

export const CHAIN_PROBLEMS_MAX = 100;
