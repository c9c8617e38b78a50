/**
 * Audit retention runs on the service clock: moving the test clock 181 days runs the daily
 * batch, whose audit purge deletes the records older than 180 days (the database's retention
 * guard agrees: it reads the same clock, not its own now()), appends the `audit.purged` anchor,
 * and the remaining chain still verifies from that anchor.
 */
import { schema } from '@fenqi/db';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOffsetMs } from '../../functions/src/clock';
import { withTransaction } from '../../functions/src/db';
import { AUDIT_RETENTION_DAYS, appendAudit, verifyAuditChain } from '../../functions/src/security/audit';
import { type Api, setClock } from '../api/flows';
import { client, dbKinds, type Harness, startHarness } from '../api/harness';

const DAY_MS = 86_400_000;

describe.each(dbKinds())('audit retention on the service clock (%s)', (kind) => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness(kind);
    api = client(h.baseUrl);
  });
  afterAll(async () => h?.close());

  const serviceNow = async () => new Date(Date.now() + (await readOffsetMs(h.database.db)));

  async function append(n: number, at: Date, tag: string) {
    for (let i = 0; i < n; i++) {
      await withTransaction(h.database, (tx) =>
        appendAudit(tx, {
          actorType: 'system',
          actorId: 'retention_test',
          action: `test.${tag}`,
          subjectType: 'test',
          subjectId: `${tag}_${i}`,
          details: { i },
          at,
        }),
      );
    }
  }

  const actions = async () =>
    (
      await h.database.db
        .select({ seq: schema.auditLog.seq, action: schema.auditLog.action })
        .from(schema.auditLog)
        .orderBy(asc(schema.auditLog.seq))
    ).map((r) => r.action);

  it('advancing the test clock 181 days purges the old records; the chain verifies from the audit.purged anchor', async () => {
    const start = await serviceNow();
    await append(3, start, 'old');
    // 179 days later: still within retention when the clock reaches start + 181 days.
    await setClock(api, new Date(start.getTime() + 179 * DAY_MS));
    expect(await actions()).toContain('test.old'); // nothing purged yet (the database clock is not asked)
    await append(2, await serviceNow(), 'young');

    const target = new Date(start.getTime() + (AUDIT_RETENTION_DAYS + 1) * DAY_MS);
    await setClock(api, target);

    const left = await actions();
    expect(left).not.toContain('test.old');
    expect(left.filter((a) => a === 'test.young')).toHaveLength(2);
    const [anchor] = await h.database.db
      .select({ details: schema.auditLog.details, createdAt: schema.auditLog.createdAt })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'audit.purged'));
    expect(anchor?.details).toMatchObject({ deleted: 3, retention_days: AUDIT_RETENTION_DAYS });
    // Purged as of a business day of the service clock, 180+ days after the records.
    expect(anchor!.createdAt.getTime() - start.getTime()).toBeGreaterThan(AUDIT_RETENTION_DAYS * DAY_MS);

    const report = await verifyAuditChain(h.database.db);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.firstSeq).toBeGreaterThan(3);

    // The batch summary of that day reports the purge; a rerun of the clock purges nothing more.
    const runs = await h.database.db.select({ summary: schema.batchRuns.summary }).from(schema.batchRuns);
    const purged = runs
      .map((r) => (r.summary as Record<string, { audit_records_purged?: number }> | null)?.audit_purge)
      .reduce((sum, s) => sum + (s?.audit_records_purged ?? 0), 0);
    expect(purged).toBe(3);
  });

  it('the database guard still refuses to delete a record younger than 180 days of the service clock', async () => {
    const now = await serviceNow();
    await append(1, new Date(now.getTime() - (AUDIT_RETENTION_DAYS - 1) * DAY_MS), 'guarded');
    await expect(
      h.database.db.delete(schema.auditLog).where(eq(schema.auditLog.action, 'test.guarded')),
    ).rejects.toThrow();
    expect(await actions()).toContain('test.guarded');
  });
});
