/**
 * Database-level checks for the simulator and the barrage, on their own connection (never
 * through the fault proxy): the db package's `verifyInvariants(database)` when it exists,
 * plus a few independent SQL checks of our own, and a snapshot (row counts of every table
 * and ledger sums per account) that a rejected request must leave unchanged.
 */
import { type Database, openDatabase } from '@fenqi/db';
import { sql } from 'drizzle-orm';

export interface InvariantChecker {
  /** `verifyInvariants+sql` or `sql-only` (when the db package has no checker yet). */
  kind: string;
  database: Database;
  check(): Promise<string[]>;
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export interface Snapshot {
  rows: Record<string, number>;
  ledger: Record<string, string>;
}

type Verify = (database: Database) => Promise<unknown>;

/** Our own checks, independent of the db package's checker. */
const OWN_CHECKS: Array<{ name: string; query: ReturnType<typeof sql> }> = [
  {
    name: 'ledger transaction does not sum to zero',
    query: sql`select transaction_id as id, sum(amount_fen)::text as detail from ledger_postings group by transaction_id, currency having sum(amount_fen) <> 0 limit 5`,
  },
  {
    name: 'ledger transaction with fewer than two postings',
    query: sql`select t.id, count(p.id)::text as detail from ledger_transactions t left join ledger_postings p on p.transaction_id = t.id group by t.id having count(p.id) < 2 limit 5`,
  },
  {
    name: 'credit line overdrawn (used + held > base + temporary)',
    query: sql`select id, (used_fen + held_fen)::text || ' > ' || (base_limit_fen + temporary_limit_fen)::text as detail from credit_lines where used_fen + held_fen > base_limit_fen + temporary_limit_fen limit 5`,
  },
  {
    name: 'credit line held ≠ Σ open holds',
    query: sql`select cl.id, cl.held_fen::text || ' vs ' || coalesce(h.s, 0)::text as detail from credit_lines cl left join (select credit_line_id, sum(amount_fen) as s from credit_holds where status = 'held' group by credit_line_id) h on h.credit_line_id = cl.id where cl.held_fen <> coalesce(h.s, 0) limit 5`,
  },
];

export async function openInvariantChecker(url: string): Promise<InvariantChecker> {
  const database = await openDatabase({ url, poolMax: 2 });
  let verify: Verify | undefined;
  try {
    const mod = (await import('@fenqi/db')) as unknown as Record<string, unknown>;
    if (typeof mod.verifyInvariants === 'function') verify = mod.verifyInvariants as Verify;
  } catch {
    verify = undefined;
  }
  const broken = new Set<string>();
  return {
    kind: verify ? 'verifyInvariants+sql' : 'sql-only (the db package exports no verifyInvariants)',
    database,
    async check() {
      const out: string[] = [];
      if (verify) {
        const result = await verify(database);
        for (const v of normaliseViolations(result)) out.push(`verifyInvariants: ${v}`);
      }
      for (const c of OWN_CHECKS) {
        if (broken.has(c.name)) continue;
        try {
          const rows = await rowsOf(database, c.query);
          for (const r of rows) out.push(`${c.name}: ${String(r.id)} ${String(r.detail)}`);
        } catch (error) {
          // The schema moved under us: report once and stop running this check.
          broken.add(c.name);
          process.stderr.write(
            `sim: own check "${c.name}" cannot run: ${error instanceof Error ? error.message : String(error)}\n`,
          );
        }
      }
      return out;
    },
    snapshot: () => takeSnapshot(database),
    close: () => database.close(),
  };
}

function normaliseViolations(result: unknown): string[] {
  const list = Array.isArray(result)
    ? result
    : result && typeof result === 'object' && Array.isArray((result as { violations?: unknown }).violations)
      ? (result as { violations: unknown[] }).violations
      : [];
  return list.map((v) =>
    typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)),
  );
}

async function rowsOf(
  database: Database,
  query: ReturnType<typeof sql>,
): Promise<Array<Record<string, unknown>>> {
  const result = (await database.db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as Array<Record<string, unknown>>;
  return ((result as { rows?: unknown[] }).rows ?? []) as Array<Record<string, unknown>>;
}

/** Exact row counts of every table in `public` and the ledger balance of every account. */
export async function takeSnapshot(database: Database): Promise<Snapshot> {
  const tables = await rowsOf(
    database,
    sql`select table_name as name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from public.%I', table_name), false, true, '')))[1]::text as c from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  const rows: Record<string, number> = {};
  for (const t of tables) rows[String(t.name)] = Number(t.c);
  const ledger: Record<string, string> = {};
  try {
    const sums = await rowsOf(
      database,
      sql`select account_id as id, sum(amount_fen)::text as s from ledger_postings group by account_id order by account_id`,
    );
    for (const s of sums) ledger[String(s.id)] = String(s.s);
  } catch {
    // no ledger table yet
  }
  return { rows, ledger };
}

export function snapshotDiff(
  before: Snapshot,
  after: Snapshot,
  ignoreTables: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(before.rows), ...Object.keys(after.rows)])) {
    if (ignoreTables.has(name)) continue;
    if (before.rows[name] !== after.rows[name])
      out.push(`${name}: ${before.rows[name]} → ${after.rows[name]} rows`);
  }
  for (const id of new Set([...Object.keys(before.ledger), ...Object.keys(after.ledger)])) {
    if (before.ledger[id] !== after.ledger[id])
      out.push(`ledger ${id}: ${before.ledger[id]} → ${after.ledger[id]}`);
  }
  return out;
}
