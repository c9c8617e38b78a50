/**
 * Building blocks for single-statement money movements: several inserts and updates chained
 * as data-modifying CTEs, so a whole borrow is one round trip to the database. The rows of an
 * insert travel as ONE jsonb parameter expanded by `jsonb_to_recordset` (few parameters to
 * encode, whatever the number of rows), each column typed with the table's SQL type.
 */
import { getTableColumns, getTableName, type SQL, sql, type Table } from 'drizzle-orm';

type ColumnLike = { name: string; getSQLType(): string; mapToDriverValue(v: unknown): unknown };

/** A value as it goes into the jsonb document: bigint and dates as text, json as itself. */
function jsonValue(column: ColumnLike, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const type = column.getSQLType();
  if (type === 'jsonb' || type === 'json') return value;
  const mapped = column.mapToDriverValue(value);
  if (typeof mapped === 'bigint') return mapped.toString();
  if (mapped instanceof Date) return mapped.toISOString();
  return mapped;
}

/** Serialise rows for `jsonb_to_recordset` (bigint → string, so nothing loses precision). */
export function jsonRows(rows: ReadonlyArray<Record<string, unknown>>): string {
  return JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}

/**
 * `insert into <table> (<cols>) select <cols> from jsonb_to_recordset($rows) … where <condition>`:
 * rows are inserted only when `condition` holds (e.g. `exists (select 1 from drawn)`). Every
 * row must give the same keys (drizzle property names); omitted columns take their defaults.
 */
export function insertWhere<T extends Table>(
  table: T,
  rows: Array<Partial<T['$inferInsert']>>,
  condition: SQL = sql`true`,
  returning?: SQL,
): SQL {
  if (rows.length === 0) throw new Error('insertWhere needs at least one row');
  const columns = getTableColumns(table) as unknown as Record<string, ColumnLike>;
  const keys = Object.keys(rows[0]!).filter((k) => (rows[0] as Record<string, unknown>)[k] !== undefined);
  for (const key of keys) if (!columns[key]) throw new Error(`no column ${key} in ${getTableName(table)}`);
  const documents = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[columns[k]!.name] = jsonValue(columns[k]!, (row as Record<string, unknown>)[k]);
    return out;
  });
  const names = keys.map((k) => `"${columns[k]!.name}"`).join(', ');
  const definition = keys.map((k) => `"${columns[k]!.name}" ${columns[k]!.getSQLType()}`).join(', ');
  return sql`insert into ${sql.identifier(getTableName(table))} (${sql.raw(names)})
    select ${sql.raw(names)} from jsonb_to_recordset(${JSON.stringify(documents)}::jsonb) as v (${sql.raw(definition)})
    where ${condition}${returning ? sql` returning ${returning}` : sql``}`;
}
