/**
 * Deferred writes (deferred.ts): queued on a `withTransaction` transaction, they commit with
 * it — as CTEs of the statement that carries them, or flushed before COMMIT — and roll back
 * with it; on any other session they run at once. PGlite always, PostgreSQL when
 * FENQI_TEST_PG_URL is set.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverTestUrl, type TestDatabase, withTransaction } from '../client';
import { deferWrite, takeDeferred, withDeferred } from '../deferred';
import { rowsOf } from '../index';

const KINDS: Array<'pglite' | 'server'> = serverTestUrl() ? ['pglite', 'server'] : ['pglite'];
if (!serverTestUrl())
  console.warn('[db] deferred writes on PostgreSQL SKIPPED: FENQI_TEST_PG_URL is not set');

describe.each(KINDS)('deferred writes on %s', (kind) => {
  let database: TestDatabase;
  const insert = (id: number, v: string) => ({
    getSQL: () => sql`insert into deferred_probe (id, v) values (${id}, ${v})`,
  });
  const ids = async () =>
    rowsOf<{ id: number }>(await database.db.execute(sql`select id from deferred_probe order by id`)).map(
      (r) => Number(r.id),
    );

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.db.execute(sql`create table deferred_probe (id int primary key, v text not null)`);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('are not written before the end of the transaction, and are written by its commit', async () => {
    const seenInside = await withTransaction(database, async (tx) => {
      await deferWrite(tx, insert(1, 'a'));
      await deferWrite(tx, insert(2, 'b'));
      return rowsOf(await tx.execute(sql`select id from deferred_probe where id in (1, 2)`)).length;
    });
    expect(seenInside).toBe(0);
    expect(await ids()).toEqual([1, 2]);
  });

  it('ride on a final statement as CTEs, with its own parameters numbered after theirs', async () => {
    await withTransaction(database, async (tx) => {
      await deferWrite(tx, insert(3, 'c'));
      const writes = takeDeferred(tx);
      const r = await tx.execute(withDeferred(writes, sql`select ${41}::int + ${1}::int as answer`));
      expect(Number(rowsOf<{ answer: number }>(r)[0]?.answer)).toBe(42);
      expect(takeDeferred(tx)).toEqual([]);
    });
    expect(await ids()).toContain(3);
  });

  it('roll back with the transaction', async () => {
    await expect(
      withTransaction(database, async (tx) => {
        await deferWrite(tx, insert(4, 'd'));
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await ids()).not.toContain(4);
  });

  it('a failing deferred write fails the transaction whole (the immediate write goes too)', async () => {
    await expect(
      withTransaction(database, async (tx) => {
        await tx.execute(sql`insert into deferred_probe (id, v) values (5, 'e')`);
        await deferWrite(tx, insert(1, 'duplicate'));
      }),
    ).rejects.toThrow();
    expect(await ids()).not.toContain(5);
  });

  it('a loop deferring many writes sends them in bounded statements and loses none', async () => {
    await withTransaction(database, async (tx) => {
      for (let id = 100; id < 250; id++) await deferWrite(tx, insert(id, `bulk ${id}`));
    });
    expect((await ids()).filter((id) => id >= 100 && id < 250)).toHaveLength(150);
  });

  it('run at once on a session that is not a withTransaction transaction', async () => {
    await deferWrite(database.db, insert(6, 'f'));
    expect(await ids()).toContain(6);
  });
});
