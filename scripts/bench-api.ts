/**
 * Borrower API benchmark on the real PostgreSQL server (production driver through the local
 * WebSocket proxy). The API runs in its own process (scripts/lib/bench-server.ts) in
 * production mode; this process is only the load generator (keep-alive node:http clients).
 * Requests/s and p50 / p99 latency for
 *   POST /v1/quotes, POST /v1/loans, POST /v1/loans/{id}/repayments
 * at 1 and 8 clients. Each request is a complete API call (session check, service clock,
 * idempotency record, domain, risk gate, ledger, contract chain).
 *
 * Borrowing is spread over many people, each borrowing at most BORROWS_PER_PERSON times, so
 * that the risk engine's velocity rule (5 borrow attempts a minute per person) does not turn
 * the measurement into one of refusals; refusals, if any, are counted apart.
 * Targets: borrow p99 < 25 ms at 8 clients; quotes > 2,000/s. Bounded to well under 90 s.
 *
 *   npx tsx scripts/bench-api.ts   (server: FENQI_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 */
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import {
  type BenchServer,
  call,
  formatPhase,
  onboardPeople,
  type PhaseResult,
  runPhase,
  startBenchServer,
} from './lib/bench-http';

const PHASE_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 4);
const CLIENT_COUNTS = [1, 8] as const;
/** People borrowing in the 1-client and the 8-client phase (distinct, so no one exceeds the velocity limit). */
const PEOPLE = {
  1: Number(process.env.BENCH_API_PEOPLE_1 ?? 120),
  8: Number(process.env.BENCH_API_PEOPLE_8 ?? 800),
};
const BORROWS_PER_PERSON = 4;

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

const QUOTE_BODY = {
  product: 'cash_loan',
  principal_amount: 100_000,
  term_months: 12,
  method: 'equal_installment',
};

interface SuiteOutcome {
  results: PhaseResult[];
  refusals: Map<string, number>;
  overBudget: number;
}

/** Quotes, borrows and repayments at each client count, against one server. */
async function runSuite(
  server: BenchServer,
  people: Partial<Record<number, string[]>>,
  clientCounts: readonly number[],
): Promise<SuiteOutcome> {
  const loans: { token: string; id: string }[] = [];
  const refusals = new Map<string, number>();
  let overBudget = 0;

  /** Person for the i-th borrow of `client` among `clients`: each person borrows ≤ BORROWS_PER_PERSON times. */
  const borrower = (clients: number, client: number, i: number): string | undefined => {
    const pool = people[clients] ?? [];
    const perClient = Math.floor(pool.length / clients);
    const slot = Math.floor(i / BORROWS_PER_PERSON);
    return slot < perClient ? pool[client * perClient + slot] : undefined;
  };

  const results: PhaseResult[] = [];
  for (const clients of clientCounts) {
    const tokens = people[clients] ?? [];
    results.push(
      await runPhase('POST /v1/quotes', clients, PHASE_SECONDS, async (c, i) => {
        const r = await call(server.base, 'POST', '/v1/quotes', QUOTE_BODY, {
          token: tokens[(c + i * clients) % tokens.length],
        });
        return r.status === 200;
      }),
    );
  }
  for (const clients of clientCounts) {
    results.push(
      await runPhase('POST /v1/loans', clients, PHASE_SECONDS, async (c, i) => {
        const token = borrower(clients, c, i);
        if (!token) {
          overBudget++;
          return false;
        }
        const r = await call(
          server.base,
          'POST',
          '/v1/loans',
          { ...QUOTE_BODY, principal_amount: 50_000 },
          { token, idempotent: true },
        );
        if (r.status === 201) loans.push({ token, id: r.body.id });
        else {
          const code = r.body?.error?.code ?? String(r.status);
          refusals.set(code, (refusals.get(code) ?? 0) + 1);
        }
        return r.status === 201;
      }),
    );
  }
  for (const clients of clientCounts) {
    results.push(
      await runPhase('POST /v1/loans/{id}/repayments', clients, PHASE_SECONDS, async (c, i) => {
        const loan = loans[(c + i * clients) % loans.length];
        if (!loan) return false;
        const r = await call(
          server.base,
          'POST',
          `/v1/loans/${loan.id}/repayments`,
          { amount: 100 },
          { token: loan.token, idempotent: true },
        );
        return r.status === 201;
      }),
    );
  }
  return { results, refusals, overBudget };
}

function report(title: string, outcome: SuiteOutcome): void {
  console.log(title);
  for (const r of outcome.results) console.log(formatPhase(r));
  if (outcome.refusals.size > 0)
    console.log(`  borrow refusals: ${[...outcome.refusals].map(([c, n]) => `${c} × ${n}`).join(', ')}`);
  if (outcome.overBudget > 0)
    console.log(
      `  borrow phase ran out of fresh borrowers ${outcome.overBudget} times (raise BENCH_API_PEOPLE_*)`,
    );
  const borrow8 = outcome.results.find((r) => r.name === 'POST /v1/loans' && r.clients === 8);
  const quotesBest = Math.max(
    ...outcome.results.filter((r) => r.name === 'POST /v1/quotes').map((r) => r.rps),
  );
  if (borrow8)
    console.log(
      `  target borrow p99 < 25 ms at 8 clients: ${borrow8.p99.toFixed(2)} ms ${borrow8.p99 < 25 ? 'MET' : 'NOT MET'}`,
    );
  console.log(
    `  target quotes > 2,000/s: ${quotesBest.toFixed(0)}/s ${quotesBest > 2000 ? 'MET' : 'NOT MET'}`,
  );
}

async function main(): Promise<void> {
  let database: TestDatabase;
  try {
    database = await createTestDatabase('server', { poolMax: 2 });
  } catch (err) {
    console.log(`bench api: skipped — no PostgreSQL server (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const url = new URL(process.env.FENQI_TEST_PG_URL as string);
  url.pathname = `/${database.name}`;
  try {
    // One API process: the local server as `npm start` runs it.
    const one = await startBenchServer(url.toString());
    try {
      const onboardStarted = performance.now();
      const people = {
        1: await onboardPeople(one.onboard, 'one', PEOPLE[1]),
        8: await onboardPeople(one.onboard, 'eight', PEOPLE[8]),
      };
      const onboardS = (performance.now() - onboardStarted) / 1000;
      const outcome = await runSuite(one, people, CLIENT_COUNTS);
      report(
        `bench api (real PostgreSQL via the Neon driver; API in its own process, production mode; ${PHASE_SECONDS} s per row; ${PEOPLE[1] + PEOPLE[8]} people onboarded in ${onboardS.toFixed(1)} s)`,
        outcome,
      );
    } finally {
      await one.stop();
    }
  } finally {
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
