/**
 * Borrower API benchmark on the real PostgreSQL server (production driver through the local
 * WebSocket proxy), the app served in-process over HTTP exactly as the local server does:
 * requests/s and p50 / p99 latency for
 *   POST /v1/quotes, POST /v1/loans, POST /v1/loans/{id}/repayments
 * at 1 and 8 clients. Every client works for its own users (no shared line), each request
 * is a complete API call (session check, service clock, idempotency record, domain, ledger).
 * Targets: borrow p99 < 25 ms at 8 clients; quotes > 2,000/s. Bounded to well under 60 s.
 *
 *   npx tsx scripts/bench-api.ts   (server: FENQI_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { QUIZ_QUESTIONS } from '@fenqi/shared';
import { createApp } from '../functions/src/app';
import { loadConfig } from '../functions/src/config';

const PHASE_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 4);
const USERS_PER_CLIENT = 8;
const CLIENT_COUNTS = [1, 8] as const;
const DEADLINE_MS = 55_000;

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Result {
  name: string;
  clients: number;
  ok: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  let database: TestDatabase;
  try {
    database = await createTestDatabase('server', { poolMax: 16 });
  } catch (err) {
    console.log(`bench api: skipped — no PostgreSQL server (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const config = {
    ...loadConfig({ FENQI_MODE: 'test' }),
    loginRateLimit: { windowSeconds: 60, perCode: 1000, perIp: 100_000 },
  };
  // People are onboarded through a test-mode app (dev: logins); the measured app runs with
  // production behaviour (no test-clock offset read, no dev logins) on the same database.
  const productionLike = {
    ...config,
    mode: 'production' as const,
    devLoginAllowed: false,
    testClockEnabled: false,
  };
  const servers = await Promise.all(
    [config, productionLike].map(async (c) => {
      const app = createApp({ database, config: c, log: () => {} });
      const server = createServer((req, res) => void app(req, res));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }),
  );
  const onboardBase = servers[0]?.base as string;
  const base = servers[1]?.base as string;

  async function call(
    method: string,
    path: string,
    body: unknown,
    token?: string,
    idem = false,
    at = base,
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (idem) headers['idempotency-key'] = randomUUID();
    const res = await fetch(`${at}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function onboard(name: string): Promise<string> {
    const consents = ['privacy_policy', 'credit_assessment', 'identity_verification'];
    const answers = QUIZ_QUESTIONS.map((q) => ({ question_id: q.id, option_id: q.correctOptionId }));
    const s = await call(
      'POST',
      '/v1/auth/session',
      { code: `dev:premium-${name}` },
      undefined,
      false,
      onboardBase,
    );
    const token = s.body.token as string;
    await call(
      'POST',
      '/v1/credit/applications',
      { monthly_income: 10_000_000, consents },
      token,
      false,
      onboardBase,
    );
    await call('POST', '/v1/education/quiz', { answers }, token, false, onboardBase);
    return token;
  }

  const maxClients = Math.max(...CLIENT_COUNTS);
  const tokens: string[][] = [];
  for (let c = 0; c < maxClients; c++) {
    tokens.push(
      await Promise.all(Array.from({ length: USERS_PER_CLIENT }, (_, u) => onboard(`bench-${c}-${u}`))),
    );
  }
  const loansByClient: { token: string; id: string }[][] = tokens.map(() => []);
  const quoteBody = {
    product: 'cash_loan',
    principal_amount: 100_000,
    term_months: 12,
    method: 'equal_installment',
  };

  /** Non-2xx answers by code (the risk rules refuse bursts of borrowing: velocity). */
  const refusals = new Map<string, number>();
  type Op = (client: number, i: number) => Promise<boolean>;
  const ops: Record<string, Op> = {
    'POST /v1/quotes': async (c, i) =>
      (await call('POST', '/v1/quotes', quoteBody, tokens[c]?.[i % USERS_PER_CLIENT])).status === 200,
    'POST /v1/loans': async (c, i) => {
      const token = tokens[c]?.[i % USERS_PER_CLIENT] as string;
      const r = await call('POST', '/v1/loans', { ...quoteBody, principal_amount: 50_000 }, token, true);
      if (r.status === 201) loansByClient[c]?.push({ token, id: r.body.id });
      else
        refusals.set(
          r.body?.error?.code ?? String(r.status),
          (refusals.get(r.body?.error?.code ?? String(r.status)) ?? 0) + 1,
        );
      return r.status === 201;
    },
    'POST /v1/loans/{id}/repayments': async (c, i) => {
      const loans = loansByClient[c] ?? [];
      const loan = loans[i % loans.length];
      if (!loan) return false;
      return (
        (await call('POST', `/v1/loans/${loan.id}/repayments`, { amount: 100 }, loan.token, true)).status ===
        201
      );
    },
  };

  const results: Result[] = [];
  for (const [name, op] of Object.entries(ops)) {
    for (const clients of CLIENT_COUNTS) {
      if (Date.now() - started > DEADLINE_MS - PHASE_SECONDS * 1000) break;
      const latencies: number[] = [];
      let errors = 0;
      const until = performance.now() + PHASE_SECONDS * 1000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let i = 0; performance.now() < until; i++) {
            const s = performance.now();
            const good = await op(c, i);
            if (good) latencies.push(performance.now() - s);
            else errors++;
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const sorted = latencies.sort((a, b) => a - b);
      results.push({
        name,
        clients,
        ok: latencies.length,
        errors,
        rps: latencies.length / seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
      });
    }
  }

  console.log(
    `bench api (real PostgreSQL via the Neon driver, in-process HTTP, production-mode app, ${PHASE_SECONDS} s per row)`,
  );
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(32)} ${String(r.clients).padStart(2)} client${r.clients === 1 ? ' ' : 's'}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms${r.errors ? `  (${r.errors} non-2xx)` : ''}`,
    );
  }
  if (refusals.size > 0)
    console.log(`  borrow refusals: ${[...refusals].map(([c, n]) => `${c} × ${n}`).join(', ')}`);
  const borrow8 = results.find((r) => r.name === 'POST /v1/loans' && r.clients === 8);
  const quotesBest = Math.max(...results.filter((r) => r.name === 'POST /v1/quotes').map((r) => r.rps));
  if (borrow8)
    console.log(
      `  target borrow p99 < 25 ms at 8 clients: ${borrow8.p99.toFixed(2)} ms ${borrow8.p99 < 25 ? 'MET' : 'NOT MET'}`,
    );
  console.log(
    `  target quotes > 2,000/s: ${quotesBest.toFixed(0)}/s ${quotesBest > 2000 ? 'MET' : 'NOT MET'}`,
  );

  for (const { server } of servers) {
    server.closeAllConnections();
    server.close();
  }
  await database.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
