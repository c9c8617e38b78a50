/**
 * Repeated queries run as server-side prepared statements (client.ts `statementNamer`): the
 * naming policy as a pure function, and on PostgreSQL (Neon driver through the local proxy)
 * that a repeated query really is prepared once on its connection and still answers right.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  serverTestUrl,
  statementNamer,
  type TestDatabase,
  withTransaction,
} from '../client';

describe('statementNamer', () => {
  it('names a text the second time it is seen, then always the same name', () => {
    const nameOf = statementNamer(10);
    expect(nameOf('select $1')).toBeUndefined();
    const name = nameOf('select $1');
    expect(name).toMatch(/^fenqi_\d+$/);
    expect(nameOf('select $1')).toBe(name);
  });

  it('gives different texts different names', () => {
    const nameOf = statementNamer(10);
    for (const t of ['a', 'b', 'a', 'b']) nameOf(t);
    expect(nameOf('a')).not.toBe(nameOf('b'));
  });

  it('names at most maxNamed texts; the rest stay unnamed', () => {
    const nameOf = statementNamer(2);
    for (const t of ['a', 'b', 'c']) nameOf(t);
    expect([nameOf('a'), nameOf('b')].every((n) => n !== undefined)).toBe(true);
    expect(nameOf('c')).toBeUndefined();
    expect(nameOf('c')).toBeUndefined();
  });

  it('forgets one-off texts once it has seen maxSeen of them', () => {
    const nameOf = statementNamer(10, 2);
    nameOf('a');
    nameOf('b');
    nameOf('c'); // the seen set is full: starts over with 'c'
    expect(nameOf('a')).toBeUndefined(); // seen once again, not twice in a row
    expect(nameOf('c')).toMatch(/^fenqi_/);
  });
});

describe.skipIf(!serverTestUrl())('prepared statements on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('server');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('prepares a repeated query once on its connection and binds new values each time', async () => {
    const marker = `prepared_probe_${Date.now()}`;
    const { answers, prepared } = await withTransaction(database, async (tx) => {
      const answers: number[] = [];
      for (const n of [1, 2, 3, 4]) {
        const rows = (await tx.execute(
          sql`select ${n}::int * 2 as doubled, ${marker}::text as m`,
        )) as unknown as {
          rows: { doubled: number }[];
        };
        answers.push(Number(rows.rows[0]?.doubled));
      }
      const found = (await tx.execute(
        sql`select count(*)::int as n from pg_prepared_statements where statement like ${'%::int * 2 as doubled%'}`,
      )) as unknown as { rows: { n: number }[] };
      return { answers, prepared: Number(found.rows[0]?.n) };
    });
    expect(answers).toEqual([2, 4, 6, 8]);
    expect(prepared).toBe(1);
  });
});
