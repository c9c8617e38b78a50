/**
 * Idempotency-Key handling (Stripe's model). The record is inserted in the SAME database
 * transaction as the request's effect, keyed by (scope, key) with a primary key, so:
 * - same key, same request → the stored response, `Idempotent-Replayed: true`, no effect;
 * - same key, different request → 409 `idempotency_key_reused`;
 * - the same key sent concurrently → the second insert waits on the first transaction's
 *   uncommitted row, then finds it committed and replays it (or gets a serialization
 *   failure, is retried by `withTransaction`, and replays). Exactly one effect either way.
 * Failed requests roll back their record with their effect: a retry runs again.
 * Records expire after `IDEMPOTENCY_TTL_MS` (≥ 24 h) and are purged by the daily batch.
 */
import { createHash } from 'node:crypto';
import { type DbOrTx, executeWithValues, reusableWrite, takeDeferred, withDeferred } from '@fenqi/db';
import { and, eq, lt, sql } from 'drizzle-orm';
import { schema, type Tx } from '../db';
import { ApiError } from './errors';
import { idempotencyKeySchema } from './parse';

export const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export type ClaimResult = { kind: 'claimed' } | { kind: 'replay'; response: StoredResponse };

/** Reads and validates the header; `undefined` when absent. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const parsed = idempotencyKeySchema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(
      'invalid_request',
      'invalid_idempotency_key',
      'Idempotency-Key must be 1–255 printable ASCII characters.',
      'Idempotency-Key',
    );
  }
  return parsed.data;
}

/** Hash of what makes two requests "the same": method, route, path params, body (canonical). */
export function requestHash(parts: {
  method: string;
  routePath: string;
  params: Record<string, string>;
  body: unknown;
}): string {
  return createHash('sha256')
    .update(
      `${parts.method} ${parts.routePath}\n${canonicalJson(parts.params)}\n${canonicalJson(parts.body)}`,
    )
    .digest('hex');
}

/** JSON with object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const t = schema.idempotencyRecords;
/**
 * A placeholder where drizzle's typings want the column's value: at run time drizzle wraps it
 * with the column's encoder as it would a value (dates, jsonb), and fills it per execution.
 */
const p = <T = string>(name: string) => sql.placeholder(name) as unknown as T;

/** The claim, built once: insert, or take over an expired record (keys live ≥ 24 h). */
const insertClaim = reusableWrite((db) =>
  db
    .insert(t)
    .values({
      scope: p('scope'),
      key: p('key'),
      requestHash: p('requestHash'),
      state: 'in_progress',
      createdAt: p<Date>('now'),
      expiresAt: p<Date>('expiresAt'),
    })
    .onConflictDoUpdate({
      target: [t.scope, t.key],
      set: {
        requestHash: p('requestHash'),
        state: 'in_progress',
        responseStatus: null,
        responseBody: null,
        effectType: null,
        effectId: null,
        createdAt: p<Date>('now'),
        completedAt: null,
        expiresAt: p<Date>('expiresAt'),
      },
      setWhere: sql`${t.expiresAt} < ${p('nowText')}::timestamptz`,
    })
    .returning({ key: t.key }),
);

/** Must be the first statement of the transaction (see the module comment). */
export async function claimKey(
  tx: Tx,
  rec: { scope: string; key: string; requestHash: string; now: Date },
): Promise<ClaimResult> {
  const inserted = await insertClaim(tx, {
    scope: rec.scope,
    key: rec.key,
    requestHash: rec.requestHash,
    now: rec.now,
    nowText: rec.now.toISOString(),
    expiresAt: new Date(rec.now.getTime() + IDEMPOTENCY_TTL_MS),
  });
  if (inserted.length > 0) return { kind: 'claimed' };

  const [row] = await tx
    .select()
    .from(t)
    .where(and(eq(t.scope, rec.scope), eq(t.key, rec.key)));
  if (!row) {
    // Committed by a concurrent transaction but not visible to our snapshot.
    throw new ApiError(
      'idempotency',
      'idempotency_in_progress',
      'A request with this Idempotency-Key is in progress; retry shortly.',
    );
  }
  if (row.requestHash !== rec.requestHash) {
    throw new ApiError(
      'idempotency',
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request.',
      'Idempotency-Key',
    );
  }
  if (row.state !== 'completed' || row.responseStatus === null) {
    throw new ApiError(
      'idempotency',
      'idempotency_in_progress',
      'A request with this Idempotency-Key is in progress; retry shortly.',
    );
  }
  const stored = row.responseBody;
  return {
    kind: 'replay',
    response: { status: row.responseStatus, body: typeof stored === 'string' ? JSON.parse(stored) : stored },
  };
}

const completion = (db: DbOrTx) =>
  db
    .update(t)
    .set({
      state: 'completed',
      responseStatus: p<number>('status'),
      responseBody: p('body'),
      effectType: p('effectType'),
      effectId: p('effectId'),
      completedAt: p<Date>('now'),
    })
    .where(and(eq(t.scope, p('scope')), eq(t.key, p('key'))));
const updateCompleted = reusableWrite(completion);

/**
 * Stores the response in the same transaction as the effect — as the transaction's last
 * statement, so the writes the request deferred (db/src/deferred.ts) go with it.
 */
export async function completeKey(
  tx: Tx,
  rec: {
    scope: string;
    key: string;
    now: Date;
    response: StoredResponse;
    effect?: { type: string; id: string };
  },
): Promise<void> {
  const values = {
    scope: rec.scope,
    key: rec.key,
    status: rec.response.status,
    // Stored as JSON text inside jsonb so a replay returns the same bytes (jsonb reorders keys).
    body: JSON.stringify(rec.response.body),
    effectType: rec.effect?.type ?? null,
    effectId: rec.effect?.id ?? null,
    now: rec.now,
  };
  const deferred = takeDeferred(tx);
  if (deferred.length === 0) await updateCompleted(tx, values);
  else await executeWithValues(tx, withDeferred(deferred, completion(tx).getSQL()), values);
}

/** Removes a claimed, unfinished record (the request ended without an effect). */
export async function releaseKey(tx: Tx, rec: { scope: string; key: string }): Promise<void> {
  const t = schema.idempotencyRecords;
  await tx.delete(t).where(and(eq(t.scope, rec.scope), eq(t.key, rec.key), eq(t.state, 'in_progress')));
}

/** Deletes expired records; used by the daily batch. */
export async function purgeExpiredKeys(tx: Tx, now: Date): Promise<number> {
  const t = schema.idempotencyRecords;
  const rows = await tx.delete(t).where(lt(t.expiresAt, now)).returning({ key: t.key });
  return rows.length;
}
