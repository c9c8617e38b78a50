/**
 * The committed migrations must describe exactly the schema in schema.ts: drizzle-kit
 * generates against a copy of db/migrations and must find nothing to add.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsFolder, repoRoot } from '../client';

const work = mkdtempSync(path.join(tmpdir(), 'fenqi-schema-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function generate(out: string): string {
  const config = path.join(work, 'drizzle.config.json.ts');
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      dialect: 'postgresql',
      // drizzle-kit joins `./` with these, so they must be relative to its cwd.
      schema: 'db/src/schema.ts',
      out: path.relative(repoRoot, out),
    })};\n`,
  );
  const run = spawnSync(
    path.join(repoRoot, 'node_modules/.bin/drizzle-kit'),
    ['generate', '--config', config],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`drizzle-kit generate failed:\n${run.stdout}\n${run.stderr}`);
  return `${run.stdout}\n${run.stderr}`;
}

describe('schema vs migrations', () => {
  it('every journal entry has its SQL file and every SQL file is in the journal', () => {
    const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
      entries: Array<{ tag: string; idx: number }>;
    };
    const files = readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql'));
    expect(files.sort()).toEqual(journal.entries.map((e) => `${e.tag}.sql`).sort());
    expect(journal.entries.map((e) => e.idx)).toEqual(journal.entries.map((_, i) => i));
  });

  it('drizzle-kit generate finds no difference between schema.ts and db/migrations', () => {
    const copy = path.join(work, 'migrations');
    cpSync(migrationsFolder, copy, { recursive: true });
    const before = readdirSync(copy).sort();
    const output = generate(copy);
    const after = readdirSync(copy).sort();
    expect(after, `schema.ts changed without a migration — run npm run db:generate\n${output}`).toEqual(
      before,
    );
    expect(output).toMatch(/No schema changes/);
  }, 60_000);

  it('the check notices a schema change that has no migration', () => {
    // Forget migration 0002 (adds ledger_transactions.idempotency_ref) and everything after:
    // generate must then write a migration that adds the column again.
    const copy = path.join(work, 'truncated');
    cpSync(migrationsFolder, copy, { recursive: true });
    const journalPath = path.join(copy, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
      entries: Array<{ idx: number; tag: string }>;
    };
    for (const e of journal.entries.filter((entry) => entry.idx >= 2)) {
      rmSync(path.join(copy, `${e.tag}.sql`));
      rmSync(path.join(copy, `meta/${String(e.idx).padStart(4, '0')}_snapshot.json`), { force: true });
    }
    journal.entries = journal.entries.filter((e) => e.idx < 2);
    writeFileSync(journalPath, JSON.stringify(journal));
    generate(copy);
    const added = readdirSync(copy).filter((f) => f.startsWith('0002_') && f.endsWith('.sql'));
    expect(added).toHaveLength(1);
    expect(readFileSync(path.join(copy, added[0]!), 'utf8')).toMatch(/idempotency_ref/);
  }, 60_000);
});
