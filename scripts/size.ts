/**
 * `npm run size`: the weapp build's main package and each subpackage against WeChat's
 * limits (2 MB per package, 20 MB in all), and our own target for the main package
 * (≤ 600 KB). Reads `miniapp/dist/weapp` (run `npm run build:weapp` first); files that are
 * not uploaded (`*.LICENSE.txt`, source maps — see project.config.json packOptions) are not
 * counted. Exits non-zero when a WeChat limit is broken or the main-package target is missed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const KB = 1024;
const PACKAGE_LIMIT_BYTES = 2 * KB * KB;
const TOTAL_LIMIT_BYTES = 20 * KB * KB;
const MAIN_TARGET_BYTES = 600 * KB;

const root = join(import.meta.dirname, '..', 'miniapp', 'dist', 'weapp');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

const uploaded = (path: string) => !path.endsWith('.LICENSE.txt') && !path.endsWith('.map');

function main(): number {
  let appJson: { subPackages?: { root: string }[]; subpackages?: { root: string }[] };
  try {
    appJson = JSON.parse(readFileSync(join(root, 'app.json'), 'utf8'));
  } catch {
    console.error(
      `size: ${relative(process.cwd(), root)}/app.json not found — run \`npm run build:weapp\` first`,
    );
    return 1;
  }
  const roots = (appJson.subPackages ?? appJson.subpackages ?? []).map((s) => s.root.replace(/\/$/, ''));
  const bytes = new Map<string, number>([['(main)', 0], ...roots.map((r) => [r, 0] as [string, number])]);
  for (const file of listFiles(root).filter(uploaded)) {
    const rel = relative(root, file).split(sep).join('/');
    const owner = roots.find((r) => rel === r || rel.startsWith(`${r}/`)) ?? '(main)';
    bytes.set(owner, (bytes.get(owner) ?? 0) + statSync(file).size);
  }

  const fmt = (n: number) => `${(n / KB).toFixed(1).padStart(8)} KB`;
  let failed = false;
  let total = 0;
  console.log('weapp package sizes (WeChat limit 2048 KB per package, 20 MB total)');
  for (const [name, size] of bytes) {
    total += size;
    const limit = name === '(main)' ? Math.min(PACKAGE_LIMIT_BYTES, MAIN_TARGET_BYTES) : PACKAGE_LIMIT_BYTES;
    const ok = size <= limit;
    failed ||= !ok;
    const pct = ((size / PACKAGE_LIMIT_BYTES) * 100).toFixed(1).padStart(5);
    const note = name === '(main)' ? ` (target ≤ ${MAIN_TARGET_BYTES / KB} KB)` : '';
    console.log(`  ${name.padEnd(14)} ${fmt(size)}  ${pct}% of 2 MB  ${ok ? 'ok' : 'OVER'}${note}`);
  }
  const totalOk = total <= TOTAL_LIMIT_BYTES;
  failed ||= !totalOk;
  console.log(`  ${'total'.padEnd(14)} ${fmt(total)}  ${totalOk ? 'ok' : 'OVER'}`);
  return failed ? 1 : 0;
}

process.exitCode = main();
