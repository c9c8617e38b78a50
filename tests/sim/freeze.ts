/**
 * A frozen copy of the working tree for long runs: teammates keep editing the repository
 * while a 100,000-op simulation restarts the service dozens of times, and every restart would
 * otherwise load whatever half-written file is on disk at that moment. The copy shares the
 * installed packages (symlinks to the original node_modules) but has its own sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const EXCLUDES = ['node_modules', '.git', '.data', '.tmp', 'dist', 'test-artifacts', '.swc'];

export function freezeTree(
  repoRoot: string,
  target: string,
): { target: string; commit: string; dirty: boolean } {
  mkdirSync(target, { recursive: true });
  execFileSync('rsync', [
    '-a',
    '--delete',
    ...EXCLUDES.flatMap((e) => ['--exclude', e]),
    `${repoRoot}/`,
    `${target}/`,
  ]);
  linkNodeModules(join(repoRoot, 'node_modules'), join(target, 'node_modules'), true);
  for (const ws of ['shared', 'db', 'functions', 'miniapp', 'tests']) {
    const nm = join(repoRoot, ws, 'node_modules');
    if (existsSync(nm)) linkNodeModules(nm, join(target, ws, 'node_modules'), false);
  }
  const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  const dirty =
    execFileSync('git', ['-C', repoRoot, 'status', '--porcelain'], { encoding: 'utf8' }).trim().length > 0;
  return { target, commit, dirty };
}

/** Mirror a node_modules folder with symlinks; workspace links (@fenqi) stay relative. */
function linkNodeModules(source: string, target: string, root: boolean): void {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (existsSync(to)) continue;
    if (root && entry.name === '@fenqi') {
      mkdirSync(to, { recursive: true });
      for (const pkg of readdirSync(from)) symlinkSync(readlinkSync(join(from, pkg)), join(to, pkg));
    } else {
      symlinkSync(from, to);
    }
  }
}
