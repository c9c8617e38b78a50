/**
 * What the API benchmarks share: the server child process (scripts/lib/bench-server.ts), a
 * keep-alive HTTP/1.1 client (node:http — lighter than fetch, so the load generator costs the
 * machine less of what it measures), percentiles, and onboarding of people.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { QUIZ_QUESTIONS } from '@fenqi/shared';
import { REPO_ROOT } from './h5-build';

export interface BenchServer {
  base: string;
  onboard: string;
  stop(): Promise<void>;
}

/**
 * Starts the API in its own process against `dbUrl`; resolves once it listens.
 * `BENCH_SERVER_NODE_ARGS` adds node flags to that process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export async function startBenchServer(dbUrl: string, poolMax = 16): Promise<BenchServer> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'scripts/lib/bench-server.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_DB_URL: dbUrl, BENCH_POOL_MAX: String(poolMax) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<{ base: string; onboard: string }>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`bench server exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) done(JSON.parse(line.slice(6)));
    });
  });
  return {
    ...ready,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON of any endpoint
  body: any;
}

/** One JSON request; `idempotent` adds a fresh Idempotency-Key. */
export function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; idempotent?: boolean; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { ...opts.headers };
  if (text !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(text));
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.idempotent) headers['idempotency-key'] = randomUUID();
  return new Promise((done, fail) => {
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        done({ status: res.statusCode ?? 0, body: raw ? JSON.parse(raw) : undefined });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(text);
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** A person with a premium line who passed the quiz; returns their session token. */
export async function onboardPerson(onboardBase: string, name: string): Promise<string> {
  const consents = ['privacy_policy', 'credit_assessment', 'identity_verification'];
  const answers = QUIZ_QUESTIONS.map((q) => ({ question_id: q.id, option_id: q.correctOptionId }));
  const s = await call(onboardBase, 'POST', '/v1/auth/session', { code: `dev:premium-${name}` });
  if (s.status >= 300) throw new Error(`login failed: ${s.status} ${JSON.stringify(s.body)}`);
  const token = s.body.token as string;
  const a = await call(
    onboardBase,
    'POST',
    '/v1/credit/applications',
    { monthly_income: 10_000_000, consents },
    { token },
  );
  if (a.status >= 300) throw new Error(`application failed: ${a.status}`);
  await call(onboardBase, 'POST', '/v1/education/quiz', { answers }, { token });
  return token;
}

/** Onboards `count` people `concurrency` at a time. */
export async function onboardPeople(
  onboardBase: string,
  prefix: string,
  count: number,
  concurrency = 8,
): Promise<string[]> {
  const tokens: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++)
        tokens[i] = await onboardPerson(onboardBase, `${prefix}-${i}`);
    }),
  );
  return tokens;
}

export interface PhaseResult {
  name: string;
  clients: number;
  ok: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Runs `op` from `clients` concurrent loops for `seconds`; latencies of successful calls only. */
export async function runPhase(
  name: string,
  clients: number,
  seconds: number,
  op: (client: number, i: number) => Promise<boolean>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        const s = performance.now();
        if (await op(c, i)) latencies.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    name,
    clients,
    ok: latencies.length,
    errors,
    rps: latencies.length / elapsedS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

export function formatPhase(r: PhaseResult): string {
  return `  ${r.name.padEnd(32)} ${String(r.clients).padStart(2)} client${r.clients === 1 ? ' ' : 's'}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms${r.errors ? `  (${r.errors} non-2xx)` : ''}`;
}
