/** The verification command on a real (file-backed) database: exit 0, then 1 naming the altered record. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, openDatabase, schema, withTransaction } from '@fenqi/db';
import { loadConfig } from '@fenqi/functions';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../functions/src/security/audit';
import { signContract } from '../../functions/src/security/contracts';
import { runVerifyCli } from '../../functions/src/security/verify-chain-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'fenqi-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    out.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await fn(), out: out.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('verify-chain-cli', () => {
  it('reports signed contracts pending, seals them with --seal, exits 1 naming the record whose byte changed', async () => {
    const env = { FENQI_MODE: 'test', FENQI_DATA_DIR: dir };
    const config = loadConfig(env);
    const database = await openDatabase({ url: null, dataDir: dir });
    await migrate(database);
    await database.db.insert(schema.users).values({ id: 'usr_cli', openidHash: 'h_cli' });
    for (let i = 1; i <= 3; i++) {
      await withTransaction(database, async (tx) => {
        await signContract(tx, config, {
          contractId: `ctr_cli${i}`,
          loanId: `loan_cli${i}`,
          userId: 'usr_cli',
          virtualIdNumber: null,
          product: 'cash_loan',
          method: 'single_payment',
          termText: '30 days',
          principalFen: 100_000n * BigInt(i),
          apr: '0.18',
          monthlyRate: '0.015',
          dailyRate: '0.000493',
          nominalAnnualRate: '0.18',
          totalInterestFen: 1_479n,
          totalFeeFen: 0n,
          totalFen: 100_000n * BigInt(i) + 1_479n,
          penaltyDailyRate: '0.0005',
          startDate: '2026-11-28',
          installments: [
            {
              number: 1,
              dueDate: '2026-12-28',
              principalFen: 100_000n * BigInt(i),
              interestFen: 1_479n,
              feeFen: 0n,
              amountFen: 100_000n * BigInt(i) + 1_479n,
            },
          ],
          coolingOffEndsAt: null,
          lender: { name: 'Demo', licenceNumber: 'L1', complaintChannel: '400' },
          confirmationMethod: 'in_app_confirmation',
          signedAt: new Date(Date.UTC(2026, 10, 28, 4, 0, i)).toISOString(),
        });
        await appendAudit(tx, {
          actorType: 'user',
          actorId: 'usr_cli',
          action: 'loan.contract_signed',
          subjectType: 'loan',
          subjectId: `loan_cli${i}`,
          at: new Date(Date.UTC(2026, 10, 28, 4, 0, i)),
        });
      });
    }
    await database.close();

    // signed in their transactions (hours ago by the fixed timestamps), never sealed: checked,
    // counted and reported past the sealing deadline; the command itself writes nothing
    const pending = await capture(() => runVerifyCli([], env));
    expect(pending.code).toBe(1);
    expect(pending.out).toContain('contracts: UNSEALED — 0 records, 3 pending');
    expect(pending.out).toContain('pending record (ctr_cli1): unsealed');
    const clean = await capture(() => runVerifyCli(['--seal'], env));
    expect(clean.code).toBe(0);
    expect(clean.out).toContain('contracts: OK — 3 records (seq 1…3), 0 pending');

    const db2 = await openDatabase({ url: null, dataDir: dir });
    await db2.db.execute(sql`alter table contracts disable trigger user`);
    await db2.db.execute(
      sql`update contracts set document = jsonb_set(document, '{principal_fen}', '"200001"') where seq = 2`,
    );
    await db2.db.execute(sql`alter table contracts enable trigger user`);
    await db2.close();

    const bad = await capture(() => runVerifyCli(['--json'], env));
    expect(bad.code).toBe(1);
    const reports = JSON.parse(bad.out);
    expect(reports[0].problems).toEqual([
      expect.objectContaining({ seq: 2, id: 'ctr_cli2', problem: 'document_altered' }),
    ]);
    expect(reports[1].ok).toBe(true);
  });
});
