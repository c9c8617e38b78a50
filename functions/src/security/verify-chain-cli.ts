/**
 * Verifies the contract-evidence and audit-log hash chains and names every altered record.
 *
 *   npx tsx functions/src/security/verify-chain-cli.ts            # DATABASE_URL or the local PGlite
 *   npx tsx functions/src/security/verify-chain-cli.ts --json
 *   npx tsx functions/src/security/verify-chain-cli.ts --seal     # seal pending contracts first
 *
 * Read-only by default: contracts signed but not sealed yet are checked (document hash,
 * signature) and counted as pending; one pending longer than the sealing deadline (10 min)
 * is reported `unsealed`. `--seal` runs the sealer first, as the per-minute cron would.
 *
 * Exit code 0 when both chains verify, 1 when a record was altered (or left unsealed), 2 on
 * an error.
 */
import { migrate, openDatabase } from '@fenqi/db';
import { serviceNow } from '../clock';
import { loadConfig } from '../config';
import { verifyAuditChain } from './audit';
import { evidenceKey, sealContracts, verifyContractChain } from './contracts';
import type { ChainReport } from './hash';

export function formatReport(reports: ChainReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const pending = 'pending' in r && typeof r.pending === 'number' ? `, ${r.pending} pending` : '';
    const state = r.ok ? 'OK' : r.problems.every((p) => p.problem === 'unsealed') ? 'UNSEALED' : 'ALTERED';
    lines.push(
      `${r.chain}: ${state} — ${r.records} records${r.firstSeq !== null ? ` (seq ${r.firstSeq}…${r.lastSeq})` : ''}${pending}`,
    );
    for (const p of r.problems)
      lines.push(
        `  ${p.seq === null ? 'pending record' : `record seq ${p.seq}`} (${p.id}): ${p.problem} — ${p.detail}`,
      );
  }
  return lines.join('\n');
}

export async function runVerifyCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const database = await openDatabase(
    env.DATABASE_URL
      ? { url: env.DATABASE_URL }
      : { url: null, ...(env.FENQI_DATA_DIR ? { dataDir: env.FENQI_DATA_DIR } : {}) },
  );
  try {
    await migrate(database); // no-op on a migrated database; a fresh local one gets the tables
    const now = await serviceNow(database, config); // the clock contracts are signed by
    if (argv.includes('--seal')) await sealContracts(database, { now });
    const reports = [
      await verifyContractChain(database.db, evidenceKey(config), { now }),
      await verifyAuditChain(database.db),
    ];
    process.stdout.write(
      `${argv.includes('--json') ? JSON.stringify(reports, null, 2) : formatReport(reports)}\n`,
    );
    return reports.every((r) => r.ok) ? 0 : 1;
  } finally {
    await database.close();
  }
}

const invokedDirectly = process.argv[1]?.endsWith('verify-chain-cli.ts') ?? false;
if (invokedDirectly) {
  runVerifyCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`verify-chain: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(2);
    },
  );
}
