/**
 * Re-encrypts every identity-vault record under the active key (key rotation).
 *
 *   VAULT_KEYS=old:…,new:… VAULT_ACTIVE_KEY_ID=new npx tsx functions/src/security/rotate-vault-cli.ts
 *
 * Then remove the old key from VAULT_KEYS. Prints only a count (never a value).
 */
import { migrate, openDatabase } from '@fenqi/db';
import { loadConfig } from '../config';
import { keyringFrom, rotateVault } from './vault';

export async function runRotateCli(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const keyring = keyringFrom(config, env);
  const database = await openDatabase(
    env.DATABASE_URL
      ? { url: env.DATABASE_URL }
      : { url: null, ...(env.FENQI_DATA_DIR ? { dataDir: env.FENQI_DATA_DIR } : {}) },
  );
  try {
    await migrate(database);
    const moved = await rotateVault(database, keyring, new Date());
    process.stdout.write(`vault: ${moved} record(s) re-encrypted under key ${keyring.active.id}\n`);
    return moved;
  } finally {
    await database.close();
  }
}

if (process.argv[1]?.endsWith('rotate-vault-cli.ts')) {
  runRotateCli().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`rotate-vault: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(2);
    },
  );
}
