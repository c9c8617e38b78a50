/**
 * `npm run bench`: every benchmark of the project, each printing its own figures.
 *   - start: `npm start` on a fresh embedded database to the first served page, then a restart
 *     on the same data directory (targets: < 15 s and < 5 s; the H5 build is done beforehand
 *     and reported separately);
 *   - the area benchmarks under scripts/bench-*.ts (domain, db, api, merchant, risk, load, batch, size).
 * `npm run bench -- start domain` runs only the named ones.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureH5Build, REPO_ROOT } from './lib/h5-build';

const AREA_BENCHES = ['domain', 'db', 'api', 'merchant', 'risk', 'load', 'batch'] as const;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitForPage(url: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  const startedMs = performance.now();
  while (performance.now() - startedMs < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const page = await fetch(url);
      if (page.ok && (await page.text()).includes('id="app"')) return performance.now() - startedMs;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no page at ${url} within ${timeoutMs} ms`);
}

async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  // One process (no npx/tsx wrapper) so that SIGTERM reaches the server itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), FENQI_DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    return await waitForPage(`http://127.0.0.1:${port}/`, child, 60_000);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function benchStart(): Promise<void> {
  const build = ensureH5Build();
  const dataDir = mkdtempSync(join(tmpdir(), 'fenqi-bench-'));
  try {
    const firstMs = await timeStart(dataDir);
    const restartMs = await timeStart(dataDir);
    console.log('bench start (embedded PGlite, H5 prebuilt)');
    if (build.builtNow)
      console.log(`  H5 build:                 ${(build.buildMs / 1000).toFixed(1)} s (sources changed)`);
    console.log(`  first start → first page: ${(firstMs / 1000).toFixed(2)} s   (target < 15 s)`);
    console.log(`  restart     → first page: ${(restartMs / 1000).toFixed(2)} s   (target < 5 s)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const selected = (name: string) => wanted.length === 0 || wanted.includes(name);
  if (selected('start')) await benchStart();
  for (const area of AREA_BENCHES) {
    const script = join(REPO_ROOT, 'scripts', `bench-${area}.ts`);
    if (!selected(area) || !existsSync(script)) continue;
    console.log(`\n── bench ${area} ──`);
    const outcome = spawnSync('npx', ['tsx', script], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (outcome.status !== 0) process.exitCode = 1;
  }
  if (selected('size') && existsSync(join(REPO_ROOT, 'scripts', 'size.ts'))) {
    console.log('\n── bench size ──');
    spawnSync('npx', ['tsx', 'scripts/size.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
