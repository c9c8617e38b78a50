/**
 * Short simulator and barrage runs against the real service on the real PostgreSQL server
 * (FENQI_TEST_PG_URL). The long runs are `npm run simulate` / `scripts/barrage.ts`
 * (docs/simulation.md); `npm test` also runs a short faulted simulation as its own step.
 */
import { describe, expect, it } from 'vitest';
import { runBarrage } from '../sim/barrage';
import { simulate } from '../sim/simulator';

const pgUrl = process.env.FENQI_TEST_PG_URL;
if (!pgUrl) console.log('tests/sim-tests/simulate.test.ts: FENQI_TEST_PG_URL unset — server suites SKIPPED');

describe.skipIf(!pgUrl)('simulator on a real server', () => {
  it('replays: the same seed gives the same operation sequence and outcomes', async () => {
    const a = await simulate({ seed: 11, ops: 120, lanes: 2, quiet: true, checkEvery: 40 });
    const b = await simulate({ seed: 11, ops: 120, lanes: 2, quiet: true, checkEvery: 40 });
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
    expect(a.opDigest).toBe(b.opDigest);
    expect(a.outcomeDigest).toBe(b.outcomeDigest);
    const c = await simulate({ seed: 12, ops: 120, lanes: 2, quiet: true, checkEvery: 40 });
    expect(c.opDigest).not.toBe(a.opDigest);
  }, 240_000);

  it('barrage: malformed requests get 4xx, never 5xx, and leave the database unchanged', async () => {
    const result = await runBarrage({ seed: 3, requests: 400, concurrency: 4, quiet: true });
    expect(result.failures).toEqual([]);
    expect(Object.keys(result.byStatus).filter((s) => Number(s) >= 500)).toEqual([]);
    expect(result.sent).toBeGreaterThanOrEqual(400);
  }, 240_000);
});
