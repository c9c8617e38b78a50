/**
 * Building blocks for single-statement money movements: several inserts and updates chained
 * as data-modifying CTEs, so a whole borrow is one round trip to the database. Values are
 * always bound parameters, cast to the column's SQL type.
 */
import { getTableColumns, getTableName, type SQL, sql, type Table } from 'drizzle-orm';

function driverValue(column: { mapToDriverValue(v: unknown): unknown }, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const mapped = column.mapToDriverValue(value);
  if (typeof mapped === 'bigint') return mapped.toString();
  if (mapped instanceof Date) return mapped.toISOString();
  if (typeof mapped === 'object') return JSON.stringify(mapped);
  return mapped;
}

/**
 * `insert into <table> (<cols>) select … from (values …) where <condition>`: rows are
 * inserted only when `condition` holds (e.g. `exists (select 1 from drawn)`). Every row
 * must give the same keys (drizzle property names); omitted columns take their defaults.
 */
export function insertWhere<T extends Table>(
  table: T,
  rows: Array<Partial<T['$inferInsert']>>,
  condition: SQL = sql`true`,
  returning?: SQL,
): SQL {
  if (rows.length === 0) throw new Error('insertWhere needs at least one row');
  const columns = getTableColumns(table) as Record<
    string,
    { name: string; getSQLType(): string; mapToDriverValue(v: unknown): unknown }
  >;
  const keys = Object.keys(rows[0]!).filter((k) => (rows[0] as Record<string, unknown>)[k] !== undefined);
  for (const key of keys) if (!columns[key]) throw new Error(`no column ${key} in ${getTableName(table)}`);
  const names = sql.join(
    keys.map((k) => sql.identifier(columns[k]!.name)),
    sql`, `,
  );
  const values = rows.map((row) => {
    const cells = keys.map((k) => {
      const column = columns[k]!;
      const value = driverValue(column, (row as Record<string, unknown>)[k]);
      return sql`${value}::${sql.raw(column.getSQLType())}`;
    });
    return sql`(${sql.join(cells, sql`, `)})`;
  });
  return sql`insert into ${sql.identifier(getTableName(table))} (${names})
    select * from (values ${sql.join(values, sql`, `)}) as v (${names}) where ${condition}${
      returning ? sql` returning ${returning}` : sql``
    }`;
}
