/**
 * Drizzle queries built ONCE and run on any session — the pool or a transaction.
 *
 * drizzle rebuilds a query's SQL text and field map on every execution. For a wide select
 * that costs about 0.8 ms of CPU here (measured: user + line select 1,046 µs per execution
 * built each time, 233 µs prepared), more than the database round trip itself. The hot
 * paths (quote, borrow, checkout confirm) therefore keep the built query and bind it to the
 * caller's session per execution; values come in through `sql.placeholder(name)`.
 *
 * This reaches one step below drizzle's public API (`session.prepareQuery`, the call its own
 * `.prepare()` makes), pinned to the drizzle version in package.json and exercised on PGlite
 * and on PostgreSQL by the tests of every path that uses it.
 */

import * as drizzle from 'drizzle-orm';
import { type SQL, sql, type Table } from 'drizzle-orm';
import type { DbOrTx } from './client';

/** drizzle's own field ordering (exported at runtime, not in its typings). */
const orderSelectedFields = (drizzle as unknown as { orderSelectedFields(fields: unknown): unknown })
  .orderSelectedFields;

interface BuiltQuery {
  query: unknown;
  fields: unknown;
  joinsNotNullableMap: unknown;
}

interface Session {
  prepareQuery(
    query: unknown,
    fields: unknown,
    name: undefined,
    isResponseInArrayMode: boolean,
  ): { joinsNotNullableMap?: unknown; execute(values?: Record<string, unknown>): Promise<unknown> };
}

/** drizzle's own execution step, on the session of `db` (the pool or a transaction). */
function prepareOn(db: DbOrTx, query: unknown, fields: unknown, arrayMode: boolean) {
  return (db as unknown as { session: Session }).session.prepareQuery(query, fields, undefined, arrayMode);
}

/** drizzle's SQL → text-and-params step, with the dialect of `db`. */
function toQuery(db: DbOrTx, query: SQL): unknown {
  return (db as unknown as { dialect: { sqlToQuery(sql: SQL): unknown } }).dialect.sqlToQuery(query);
}

interface SelectInternals {
  getSQL(): SQL;
  dialect: { sqlToQuery(sql: SQL): unknown };
  config: { fields: Record<string, unknown> };
  joinsNotNullableMap: unknown;
}

/** `build` must use `sql.placeholder(...)` for every per-execution value. */
export function reusableSelect<Q extends PromiseLike<unknown[]>>(
  build: (db: DbOrTx) => Q,
): (db: DbOrTx, values: Record<string, unknown>) => Promise<Awaited<Q>> {
  let built: BuiltQuery | undefined;
  return async (db, values): Promise<Awaited<Q>> => {
    if (!built) {
      const q = build(db) as unknown as SelectInternals;
      built = {
        query: q.dialect.sqlToQuery(q.getSQL()),
        fields: orderSelectedFields(q.config.fields),
        joinsNotNullableMap: q.joinsNotNullableMap,
      };
    }
    const prepared = prepareOn(db, built.query, built.fields, true);
    prepared.joinsNotNullableMap = built.joinsNotNullableMap;
    return (await prepared.execute(values)) as Awaited<Q>;
  };
}

interface WriteInternals {
  getSQL(): SQL;
  dialect: { sqlToQuery(sql: SQL): unknown };
  config: { returning?: unknown };
}

/**
 * The same for an insert, update or delete builder (the idempotency record, the risk event):
 * built once, bound per call. With `.returning(...)` it resolves to the returned rows, without
 * to the driver's result (`rowCount`), as the builder itself would.
 */
export function reusableWrite<Q extends PromiseLike<unknown>>(
  build: (db: DbOrTx) => Q,
): (db: DbOrTx, values: Record<string, unknown>) => Promise<Awaited<Q>> {
  let built: { query: unknown; fields: unknown } | undefined;
  return async (db, values): Promise<Awaited<Q>> => {
    if (!built) {
      const q = build(db) as unknown as WriteInternals;
      built = { query: q.dialect.sqlToQuery(q.getSQL()), fields: q.config.returning };
    }
    return (await prepareOn(db, built.query, built.fields, true).execute(values)) as Awaited<Q>;
  };
}

/** Runs `query` on the session, filling its `sql.placeholder`s from `values` (composed statements). */
export async function executeWithValues(
  db: DbOrTx,
  query: SQL,
  values: Record<string, unknown>,
): Promise<unknown> {
  return prepareOn(db, toQuery(db, query), undefined, false).execute(values);
}

interface OrderedField {
  path: string[];
  field: { name: string };
}

/**
 * The select list drizzle would write for `select(fields)` (same columns, same order), each
 * table's columns read from a named relation instead (e.g. a CTE's RETURNING rows), and the
 * field map to decode the rows with (`executeMapped`). Columns are listed by name, never `*`:
 * a table's column order in the database follows its migrations, not schema.ts.
 */
export function selectListOf(
  fields: Record<string, Table>,
  relations: Record<string, string>,
): { list: SQL; ordered: unknown } {
  const ordered = orderSelectedFields(fields) as OrderedField[];
  const columns = ordered.map(({ path, field }) => {
    const relation = relations[path[0] as string];
    if (!relation) throw new Error(`selectListOf: no relation for ${path[0]}`);
    return `${relation}."${field.name}"`;
  });
  return { list: sql.raw(columns.join(', ')), ordered };
}

/** Runs a select written with `selectListOf` and decodes its rows as drizzle would. */
export async function executeMapped<R>(db: DbOrTx, query: SQL, ordered: unknown): Promise<R[]> {
  return (await prepareOn(db, toQuery(db, query), ordered, true).execute()) as R[];
}
