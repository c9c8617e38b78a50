/**
 * `npm test`: every check the project has, in one command.
 *   1. typecheck of every workspace, 2. lint (biome),
 *   3. vitest: unit, domain, database and API suites — on PGlite always, and on a real
 *      PostgreSQL server through the Neon driver when one answers (FENQI_TEST_PG_URL, default
 *      postgres://postgres@127.0.0.1:5432/postgres); otherwise those suites say they skipped,
 *   4. the mini-app builds for weapp and h5, 5. browser tests when /usr/bin/chromium exists,
 *   6. extra steps registered in scripts/lib/test-steps.ts (simulator, barrage).
 * Ends with one plain line `N passed, N failed` and a non-zero exit on any failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureH5Build, REPO_ROOT } from './lib/h5-build';
import { extraSteps } from './lib/test-steps';

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  note?: string;
}

const results: StepResult[] = [];
const tmpDir = join(REPO_ROOT, '.tmp');
mkdirSync(tmpDir, { recursive: true });

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  process.stdout.write(`\n$ ${command} ${args.join(' ')}\n`);
  const outcome = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env });
  return outcome.status === 0;
}

function step(name: string, ok: boolean, note?: string): void {
  results.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, note });
}

function vitestStep(name: string, args: string[], env: NodeJS.ProcessEnv): void {
  const reportPath = join(tmpDir, `vitest-${name}.json`);
  const ok = run(
    'npx',
    ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile=${reportPath}`],
    env,
  );
  const counts = readVitestReport(reportPath);
  if (!counts) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: 'vitest wrote no report' });
    return;
  }
  // A run that failed outside any test (a suite that did not load) still counts as a failure.
  const failed = counts.failed + (ok || counts.failed > 0 ? 0 : 1);
  results.push({ name, passed: counts.passed, failed, skipped: counts.skipped });
}

function readVitestReport(path: string): { passed: number; failed: number; skipped: number } | undefined {
  if (!existsSync(path)) return undefined;
  const report = JSON.parse(readFileSync(path, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

async function postgresReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port || 5432) });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_500, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function main(): Promise<void> {
  const workspaces = ['shared', 'db', 'functions', 'miniapp', 'tests', 'scripts'];
  for (const workspace of workspaces) {
    step(`typecheck ${workspace}`, run('npx', ['tsc', '-p', workspace]));
  }
  step('lint (biome)', run('npx', ['biome', 'check', '.']));

  const pgUrl = process.env.FENQI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const env: NodeJS.ProcessEnv = { ...process.env, FENQI_MODE: 'test' };
  if (await postgresReachable(pgUrl)) {
    env.FENQI_TEST_PG_URL = pgUrl;
    process.stdout.write(
      `\nPostgreSQL server reachable at ${new URL(pgUrl).host}: server suites run through the Neon driver.\n`,
    );
  } else {
    delete env.FENQI_TEST_PG_URL;
    process.stdout.write(
      `\nNOTE: no PostgreSQL server at ${new URL(pgUrl).host} — the server-only suites are SKIPPED; PGlite suites still run.\n`,
    );
  }

  vitestStep('unit-db-api', [], env);

  let h5Built = false;
  try {
    ensureH5Build();
    h5Built = true;
  } catch {
    h5Built = false;
  }
  step('build h5', h5Built);
  step('build weapp', run('npm', ['run', 'build:weapp', '-w', 'miniapp', '--silent']));
  if (existsSync(join(REPO_ROOT, 'scripts', 'size.ts')))
    step('weapp size report', run('npx', ['tsx', 'scripts/size.ts']));

  if (
    existsSync('/usr/bin/chromium') &&
    existsSync(join(REPO_ROOT, 'tests', 'browser', 'vitest.config.ts'))
  ) {
    vitestStep('browser', ['--config', 'tests/browser/vitest.config.ts'], env);
  } else {
    process.stdout.write(
      '\nNOTE: /usr/bin/chromium not found — browser tests SKIPPED (apt-get install chromium).\n',
    );
    results.push({ name: 'browser', passed: 0, failed: 0, skipped: 1, note: 'no chromium' });
  }

  for (const extra of extraSteps(env)) {
    step(extra.name, run(extra.command, extra.args, env));
  }

  printSummary();
}

function printSummary(): void {
  const total = results.reduce(
    (sum, r) => ({
      passed: sum.passed + r.passed,
      failed: sum.failed + r.failed,
      skipped: sum.skipped + r.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  process.stdout.write('\n── summary ─────────────────────────────\n');
  for (const r of results) {
    const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(
      `${mark} ${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.note ? ` (${r.note})` : ''}\n`,
    );
  }
  process.stdout.write(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`npm test: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
});
