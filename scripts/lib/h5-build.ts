import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SOURCE_DIRS = ['miniapp/src', 'miniapp/config', 'shared/src'];
const SOURCE_FILES = ['miniapp/babel.config.js', 'miniapp/package.json'];
const STAMP_FILE = '.fenqi-build-stamp';

/** A fingerprint of everything the H5 build reads, so `npm start` rebuilds only when it changed. */
export function h5SourceFingerprint(root = REPO_ROOT): string {
  const hash = createHash('sha256');
  const files = [
    ...SOURCE_DIRS.flatMap((dir) => listFiles(join(root, dir))),
    ...SOURCE_FILES.map((f) => join(root, f)),
  ]
    .filter((file) => existsSync(file))
    .sort();
  for (const file of files) {
    hash.update(file.slice(root.length));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === '__tests__') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Builds miniapp/dist/h5 unless it is already built from the current sources. */
export function ensureH5Build(root = REPO_ROOT): { outDir: string; builtNow: boolean; buildMs: number } {
  const outDir = join(root, 'miniapp', 'dist', 'h5');
  const stampPath = join(outDir, STAMP_FILE);
  const fingerprint = h5SourceFingerprint(root);
  const upToDate =
    existsSync(join(outDir, 'index.html')) &&
    existsSync(stampPath) &&
    readFileSync(stampPath, 'utf8') === fingerprint;
  if (upToDate) return { outDir, builtNow: false, buildMs: 0 };

  process.stdout.write('Building the H5 mini-app (first start or sources changed)…\n');
  const startedMs = performance.now();
  execFileSync('npm', ['run', 'build:h5', '-w', 'miniapp', '--silent'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stampPath, fingerprint);
  return { outDir, builtNow: true, buildMs: Math.round(performance.now() - startedMs) };
}
