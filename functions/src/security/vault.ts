/**
 * The identity vault (数字面具). Real identity values (name, ID-card number, bank card,
 * phone) exist only here, AES-256-GCM encrypted with a key from the environment; everything
 * else in the system sees the virtual ID-card and bank-card numbers issued at application.
 *
 * - Keys: `VAULT_KEYS` = `id:base64(32 bytes),…` (parsed by config.ts). The active key
 *   encrypts: `VAULT_ACTIVE_KEY_ID` when set, otherwise the first key. All keys decrypt, so
 *   rotation is: add the new key, make it active, run `rotateVault` (re-encrypts every row
 *   under another key), then drop the old key.
 * - Ciphertext = base64(iv(12) ‖ ciphertext ‖ tag(16)); the AAD binds it to its user id and
 *   key id, so a ciphertext copied onto another user's row does not decrypt.
 * - Reading real values requires an approved four-level access request (approvals.ts); every
 *   read, successful or refused, is written to the audit log (ids only, never values).
 */
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { and, eq, ne } from 'drizzle-orm';
import type { AppConfig, VaultKey } from '../config';
import { type Database, newId, schema, type Tx, withTransaction } from '../db';
import {
  isAcceptableRealBankCardNumber,
  isAcceptableRealIdCardNumber,
  VIRTUAL_BANK_CARD_CAPACITY,
  VIRTUAL_ID_CAPACITY,
  virtualBankCardNumber,
  virtualIdCardNumber,
} from '../risk/shared';

export interface Keyring {
  active: VaultKey;
  all: ReadonlyMap<string, Buffer>;
}

export class VaultError extends Error {
  override name = 'VaultError';
}

export function keyringFrom(
  config: Pick<AppConfig, 'vaultKeys'>,
  env: NodeJS.ProcessEnv = process.env,
): Keyring {
  const all = new Map(config.vaultKeys.map((k) => [k.id, k.key] as const));
  const wanted = env.VAULT_ACTIVE_KEY_ID?.trim();
  const active = wanted ? config.vaultKeys.find((k) => k.id === wanted) : config.vaultKeys[0];
  if (!active)
    throw new VaultError(
      wanted ? `VAULT_ACTIVE_KEY_ID ${wanted} is not in VAULT_KEYS` : 'no vault key configured',
    );
  for (const k of config.vaultKeys)
    if (k.key.length !== 32) throw new VaultError('vault keys must be 32 bytes');
  return { active, all };
}

const aad = (userId: string, keyId: string) => Buffer.from(`fenqi-vault-v1|${userId}|${keyId}`, 'utf8');

export function encryptPii(
  keyring: Keyring,
  userId: string,
  plaintext: string,
): { keyId: string; ciphertext: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.active.key, iv);
  cipher.setAAD(aad(userId, keyring.active.id));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    keyId: keyring.active.id,
    ciphertext: Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64'),
  };
}

export function decryptPii(keyring: Keyring, userId: string, keyId: string, ciphertext: string): string {
  const key = keyring.all.get(keyId);
  if (!key) throw new VaultError(`vault key ${keyId} is not configured`);
  const raw = Buffer.from(ciphertext, 'base64');
  if (raw.length < 12 + 16) throw new VaultError('vault ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(aad(userId, keyId));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new VaultError('vault record failed authentication');
  }
}

export interface RealIdentity {
  name: string;
  idCardNumber: string;
  bankCardNumber: string;
  phone: string;
}

export type VaultField = keyof RealIdentity;
export const VAULT_FIELDS: readonly VaultField[] = ['name', 'idCardNumber', 'bankCardNumber', 'phone'];

export interface MaskedIdentity {
  virtualIdNumber: string;
  virtualBankCardNumber: string;
}

/**
 * Stores a user's real identity and issues the digital-mask numbers (idempotent per user:
 * a second call returns the numbers already issued). Validates the real numbers' format and
 * refuses numbers from the reserved virtual ranges.
 */
export async function storeIdentity(
  tx: Tx,
  keyring: Keyring,
  userId: string,
  real: RealIdentity,
): Promise<MaskedIdentity> {
  if (!isAcceptableRealIdCardNumber(real.idCardNumber)) throw new VaultError('invalid_id_card_number');
  if (!isAcceptableRealBankCardNumber(real.bankCardNumber)) throw new VaultError('invalid_bank_card_number');
  const [existing] = await tx
    .select()
    .from(schema.identityVault)
    .where(eq(schema.identityVault.userId, userId));
  if (existing)
    return {
      virtualIdNumber: existing.virtualIdNumber,
      virtualBankCardNumber: existing.virtualBankCardNumber,
    };
  const { keyId, ciphertext } = encryptPii(keyring, userId, JSON.stringify(real));
  // Random serials; a collision (≈ n / 2·10^11) hits the unique index and the caller retries.
  const masked = {
    virtualIdNumber: virtualIdCardNumber(randomInt(0, Math.min(VIRTUAL_ID_CAPACITY, 2 ** 48 - 1))),
    virtualBankCardNumber: virtualBankCardNumber(
      randomInt(0, Math.min(VIRTUAL_BANK_CARD_CAPACITY, 2 ** 48 - 1)),
    ),
  };
  await tx
    .insert(schema.identityVault)
    .values({ id: newId('vlt'), userId, keyId, piiCiphertext: ciphertext, ...masked });
  return masked;
}

export async function maskedIdentity(
  db: Database['db'] | Tx,
  userId: string,
): Promise<MaskedIdentity | undefined> {
  const [row] = await db
    .select({
      virtualIdNumber: schema.identityVault.virtualIdNumber,
      virtualBankCardNumber: schema.identityVault.virtualBankCardNumber,
    })
    .from(schema.identityVault)
    .where(eq(schema.identityVault.userId, userId));
  return row;
}

/** Internal: decrypts a user's record. Only approvals.ts may call it, after four approvals. */
export async function decryptIdentityUnchecked(
  tx: Tx,
  keyring: Keyring,
  userId: string,
): Promise<RealIdentity> {
  const [row] = await tx.select().from(schema.identityVault).where(eq(schema.identityVault.userId, userId));
  if (!row) throw new VaultError('no vault record');
  return JSON.parse(decryptPii(keyring, userId, row.keyId, row.piiCiphertext)) as RealIdentity;
}

/** Re-encrypts every row not under the active key. Bounded batches; returns how many moved. */
export async function rotateVault(
  database: Database,
  keyring: Keyring,
  now: Date,
  batch = 200,
): Promise<number> {
  let moved = 0;
  for (let round = 0; round < 100_000; round++) {
    const n = await withTransaction(database, async (tx) => {
      const rows = await tx
        .select()
        .from(schema.identityVault)
        .where(ne(schema.identityVault.keyId, keyring.active.id))
        .limit(batch)
        .for('update');
      for (const r of rows) {
        const plain = decryptPii(keyring, r.userId, r.keyId, r.piiCiphertext);
        const next = encryptPii(keyring, r.userId, plain);
        await tx
          .update(schema.identityVault)
          .set({ keyId: next.keyId, piiCiphertext: next.ciphertext, rotatedAt: now })
          .where(and(eq(schema.identityVault.id, r.id), eq(schema.identityVault.keyId, r.keyId)));
      }
      return rows.length;
    });
    moved += n;
    if (n < batch) return moved;
  }
  throw new VaultError('rotation did not finish');
}
