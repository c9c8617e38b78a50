import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkChain } from '../chain';
import { CHAIN_GENESIS_HASH, CHAIN_PROBLEMS_MAX, linkHash, sha256Hex } from '../hash';

interface Rec {
  seq: number;
  body: string;
  prevHash: string;
  hash: string;
}

function build(bodies: string[]): Rec[] {
  const out: Rec[] = [];
  let prev = CHAIN_GENESIS_HASH;
  bodies.forEach((body, i) => {
    const seq = i + 1;
    const hash = linkHash(seq, prev, sha256Hex(body));
    out.push({ seq, body, prevHash: prev, hash });
    prev = hash;
  });
  return out;
}

function walk(records: Rec[], pageRows: number) {
  return walkChain<Rec>({
    chain: 'audit_log',
    pageRows,
    page: async (after, limit) => records.filter((r) => r.seq > after).slice(0, limit),
    seq: (r) => r.seq,
    id: (r) => `rec:${r.seq}`,
    prevHash: (r) => r.prevHash,
    hash: (r) => r.hash,
    previousName: 'record',
    check(r, report) {
      if (linkHash(r.seq, r.prevHash, sha256Hex(r.body)) !== r.hash)
        report('content_altered', 'the record does not match its hash');
    },
  });
}

describe('walkChain', () => {
  it('an intact chain verifies whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        async (bodies, rows) => {
          const r = await walk(build(bodies), rows);
          expect(r).toEqual({
            chain: 'audit_log',
            ok: true,
            records: bodies.length,
            firstSeq: bodies.length ? 1 : null,
            lastSeq: bodies.length ? bodies.length : null,
            problems: [],
          });
        },
      ),
    );
  });

  it('altering one record is reported at that record, and only there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string(), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 1, max: 7 }),
        async (bodies, pick, rows) => {
          const records = build(bodies);
          const i = pick % records.length;
          records[i] = { ...(records[i] as Rec), body: `${records[i]?.body}!` };
          const r = await walk(records, rows);
          expect(r.ok).toBe(false);
          expect(r.problems).toEqual([
            {
              seq: i + 1,
              id: `rec:${i + 1}`,
              problem: 'content_altered',
              detail: 'the record does not match its hash',
            },
          ]);
        },
      ),
    );
  });

  it('a deleted record shows as a gap and a broken link at the next one; problems are capped', async () => {
    const records = build(['a', 'b', 'c', 'd']).filter((r) => r.seq !== 2);
    expect((await walk(records, 2)).problems.map((p) => [p.seq, p.problem])).toEqual([
      [3, 'sequence_gap'],
      [3, 'link_broken'],
    ]);
    const broken = build(Array.from({ length: CHAIN_PROBLEMS_MAX + 10 }, (_, i) => String(i))).map((r) => ({
      ...r,
      body: `${r.body}x`,
    }));
    const capped = await walk(broken, 50);
    expect(capped.problems).toHaveLength(CHAIN_PROBLEMS_MAX);
    expect(capped.records).toBe(CHAIN_PROBLEMS_MAX + 10);
  });
});
