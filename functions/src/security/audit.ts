/**
 * The audit log: append-only, hash-chained, kept 180 days.
 *
 * Each record's content hash covers every stored column except the hashes themselves
 * (canonical JSON), and its chain hash binds `seq`, the previous record's hash and that
 * content hash (`linkHash`). Appends are serialised by a transaction-scoped advisory lock,
 * and `prev_hash` is unique, so the chain can never fork.
 *
 * Retention: the daily batch deletes records older than 180 days and then appends an
 * `audit.purged` record holding the last purged seq and hash, so the verifier can check that
 * the oldest remaining record still links to what was purged (nothing cut from the middle or
 * the head goes unnoticed).
 *
 * PII never enters `details`: callers pass ids, codes and counts only.
 */
import { and, asc, desc, gt, gte, lt, min, or, sql } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import { walkChain } from './chain';
import { CHAIN_GENESIS_HASH, type ChainReport, canonicalJson, linkHash, sha256Hex } from './hash';

export type AuditActorType = 'user' | 'merchant' | 'staff' | 'system';
export type AuditDetailValue =
  | string
  | number
  | boolean
  | null
  | AuditDetailValue[]
  | { [k: string]: AuditDetailValue };

export interface AuditEntry {
  actorType: AuditActorType;
  actorId: string;
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  requestId?: string | null;
  details?: Record<string, AuditDetailValue>;
  at: Date;
}

export const AUDIT_RETENTION_DAYS = 180;
const AUDIT_LOCK_KEY = 7_261_001;
const PAGE_ROWS = 1_000;

type AuditRow = typeof schema.auditLog.$inferSelect;

/** The canonical content of a record (everything but the hashes). */
function auditContent(r: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  return canonicalJson({
    seq: r.seq,
    actor_type: r.actorType,
    actor_id: r.actorId,
    action: r.action,
    subject_type: r.subjectType ?? null,
    subject_id: r.subjectId ?? null,
    request_id: r.requestId ?? null,
    details: r.details ?? {},
    created_at: r.createdAt.toISOString(),
  });
}

/** Integers only: jsonb would not give a float back byte-for-byte. */
function assertDetails(v: unknown, depth = 0): void {
  if (depth > 8) throw new Error('audit: details too deep');
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new Error('audit: details numbers must be safe integers');
  if (typeof v === 'bigint' || typeof v === 'undefined' || typeof v === 'function')
    throw new Error('audit: details must be JSON');
  if (v && typeof v === 'object') for (const x of Object.values(v)) assertDetails(x, depth + 1);
}

/** Appends one record inside the caller's transaction (commits or rolls back with its effect). */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  const details = entry.details ?? {};
  assertDetails(details);
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const [last] = await tx
    .select({ seq: schema.auditLog.seq, hash: schema.auditLog.hash })
    .from(schema.auditLog)
    .orderBy(desc(schema.auditLog.seq))
    .limit(1);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? CHAIN_GENESIS_HASH;
  // Millisecond precision so the stored timestamp reads back identically.
  const createdAt = new Date(Math.floor(entry.at.getTime()));
  const row = {
    seq,
    actorType: entry.actorType,
    actorId: entry.actorId,
    action: entry.action,
    subjectType: entry.subjectType ?? null,
    subjectId: entry.subjectId ?? null,
    requestId: entry.requestId ?? null,
    details,
    createdAt,
  };
  const hash = linkHash(seq, prevHash, sha256Hex(auditContent(row)));
  await tx.insert(schema.auditLog).values({ ...row, prevHash, hash });
  return { seq, hash };
}

/**
 * Deletes records older than 180 days as of `now` — the service clock of the caller (the daily
 * batch passes 00:00 of its business date), never the database's own clock — and records the
 * cut in the chain. Only a prefix of the chain is cut: the records up to the first one that is
 * still young, so a young record is never deleted even when timestamps are not in seq order.
 * The database's retention guard reads the same service clock (`fenqi_service_now()`, wall
 * clock + the test offset); the purge never asks it for more. Returns the number deleted.
 */
export async function purgeAuditLog(tx: Tx, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 24 * 3600 * 1000);
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const log = schema.auditLog;
  const young = or(
    gte(log.createdAt, cutoff),
    sql`${log.createdAt} > fenqi_service_now() - interval '${sql.raw(String(AUDIT_RETENTION_DAYS))} days'`,
  );
  const [firstYoung] = await tx
    .select({ seq: min(log.seq) })
    .from(log)
    .where(young);
  const [lastOld] = await tx
    .select({ seq: log.seq, hash: log.hash })
    .from(log)
    .where(and(lt(log.createdAt, cutoff), firstYoung?.seq != null ? lt(log.seq, firstYoung.seq) : undefined))
    .orderBy(desc(log.seq))
    .limit(1);
  if (!lastOld) return 0;
  const deleted = await tx
    .delete(schema.auditLog)
    .where(sql`${schema.auditLog.seq} <= ${lastOld.seq}`)
    .returning({ seq: schema.auditLog.seq });
  await appendAudit(tx, {
    actorType: 'system',
    actorId: 'daily_batch',
    action: 'audit.purged',
    details: {
      through_seq: lastOld.seq,
      through_hash: lastOld.hash,
      deleted: deleted.length,
      retention_days: AUDIT_RETENTION_DAYS,
    },
    at: now,
  });
  return deleted.length;
}

/**
 * Verifies the whole remaining chain, page by page. Reports every altered record (content,
 * link or hash), sequence gaps, and a head that does not link to the last purge record.
 */
export async function verifyAuditChain(db: Database['db'] | Tx): Promise<ChainReport> {
  // Where the remaining chain must start: after the latest purge, or at genesis.
  const purges = await db
    .select({ details: schema.auditLog.details })
    .from(schema.auditLog)
    .where(sql`${schema.auditLog.action} = 'audit.purged'`)
    .orderBy(desc(schema.auditLog.seq))
    .limit(1);
  const purgeDetails = purges[0]?.details as { through_seq?: number; through_hash?: string } | undefined;
  return walkChain<AuditRow>({
    chain: 'audit_log',
    pageRows: PAGE_ROWS,
    page: (after, limit) =>
      db
        .select()
        .from(schema.auditLog)
        .where(gt(schema.auditLog.seq, after))
        .orderBy(asc(schema.auditLog.seq))
        .limit(limit),
    start: {
      seq: purgeDetails?.through_seq !== undefined ? purgeDetails.through_seq + 1 : 1,
      prevHash: purgeDetails?.through_hash ?? CHAIN_GENESIS_HASH,
    },
    seq: (r) => r.seq,
    id: (r) => `audit:${r.seq}`,
    prevHash: (r) => r.prevHash,
    hash: (r) => r.hash,
    previousName: 'record',
    check(r, report) {
      if (linkHash(r.seq, r.prevHash, sha256Hex(auditContent(r))) !== r.hash)
        report('content_altered', 'the record does not match its hash');
    },
  });
}
