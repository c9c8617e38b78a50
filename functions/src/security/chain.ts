/**
 * The one walker of the evidence hash chains (audit log, contracts). It pages through a
 * chain in seq order and checks what every chain shares — consecutive seqs from the expected
 * start and each `prev_hash` equal to the previous record's hash — then asks the chain's own
 * `check` for its record-level problems (content, document, signature, chain hash). Problems
 * are reported in seq order, per record in the order found, at most `CHAIN_PROBLEMS_MAX`.
 */
import { CHAIN_GENESIS_HASH, CHAIN_PROBLEMS_MAX, type ChainProblem, type ChainReport } from './hash';

export interface ChainWalk<R> {
  chain: ChainReport['chain'];
  /** The next page: records with seq > `afterSeq`, in seq order, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<R[]>;
  pageRows: number;
  /** Where the remaining chain must start (after a purge anchor, or seq 1 at genesis). */
  start?: { seq: number; prevHash: string };
  seq(r: R): number;
  /** The record's name in a problem report. */
  id(r: R): string;
  prevHash(r: R): string;
  /** The record's own (chain) hash, which the next record must link to. */
  hash(r: R): string;
  /** What `link_broken` says: the previous record of this chain. */
  previousName: string;
  /** Record-level checks; each failing one reports with `report(problem, detail)`. */
  check(r: R, report: (problem: ChainProblem['problem'], detail: string) => void): void;
}

export async function walkChain<R>(walk: ChainWalk<R>): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let expectedSeq = walk.start?.seq ?? 1;
  let expectedPrev = walk.start?.prevHash ?? CHAIN_GENESIS_HASH;
  let count = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let after = 0;
  for (;;) {
    const page = await walk.page(after, walk.pageRows);
    if (page.length === 0) break;
    for (const r of page) {
      const seq = walk.seq(r);
      const id = walk.id(r);
      const report = (problem: ChainProblem['problem'], detail: string) => {
        if (problems.length < CHAIN_PROBLEMS_MAX) problems.push({ seq, id, problem, detail });
      };
      count++;
      firstSeq ??= seq;
      lastSeq = seq;
      if (seq !== expectedSeq) report('sequence_gap', `expected seq ${expectedSeq}`);
      if (walk.prevHash(r) !== expectedPrev)
        report('link_broken', `prev_hash does not match the previous ${walk.previousName}`);
      walk.check(r, report);
      expectedSeq = seq + 1;
      expectedPrev = walk.hash(r);
    }
    const last = page[page.length - 1];
    after = last === undefined ? after : walk.seq(last);
  }
  return { chain: walk.chain, ok: problems.length === 0, records: count, firstSeq, lastSeq, problems };
}
