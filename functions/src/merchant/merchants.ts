/**
 * Merchants, their API keys and webhook secrets. Keys are stored hashed (see keys.ts) and
 * returned in plaintext only by the call that creates them.
 */
import { newId } from '@fenqi/db';
import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';
import { ApiError } from '../http/errors';
import { generateApiKey, generateWebhookSecret, type KeyMode, parseApiKey } from './keys';
import { type SecretKeys, sealWebhookSecret } from './secrets';

const { merchants, apiKeys, webhookEndpoints } = schema;

export interface MerchantCredentials {
  merchantId: string;
  apiKeys: Partial<Record<KeyMode, string>>;
  webhookSecrets: Partial<Record<KeyMode, string>>;
}

export async function createMerchant(
  tx: Tx,
  args: {
    id?: string;
    name: string;
    scene: string;
    modes: KeyMode[];
    webhookUrl: string;
    now: Date;
    /** Vault keys that encrypt the webhook secrets at rest. */
    keys: SecretKeys;
  },
): Promise<MerchantCredentials> {
  const merchantId = args.id ?? newId('mch');
  await tx
    .insert(merchants)
    .values({ id: merchantId, name: args.name, scene: args.scene, createdAt: args.now });
  const out: MerchantCredentials = { merchantId, apiKeys: {}, webhookSecrets: {} };
  for (const mode of args.modes) {
    out.apiKeys[mode] = await issueApiKey(tx, { merchantId, mode, now: args.now });
    const secret = generateWebhookSecret();
    await tx.insert(webhookEndpoints).values({
      id: newId('we'),
      merchantId,
      mode,
      url: args.webhookUrl,
      secret: sealWebhookSecret(args.keys, merchantId, secret),
      createdAt: args.now,
    });
    out.webhookSecrets[mode] = secret;
  }
  return out;
}

/** Inserts a new key and returns its plaintext — the only time it is visible. */
export async function issueApiKey(
  tx: Tx,
  args: { merchantId: string; mode: KeyMode; now: Date },
): Promise<string> {
  const key = generateApiKey(args.mode);
  await tx.insert(apiKeys).values({
    id: newId('key'),
    merchantId: args.merchantId,
    mode: args.mode,
    prefix: key.prefix,
    keyHash: key.hash,
    createdAt: args.now,
  });
  return key.plaintext;
}

/**
 * Issues a new key for the mode and retires every other active key of that mode after
 * `graceSeconds` (0 = at once), so a merchant can deploy the new key before the old one stops
 * working. Returns the new plaintext — the only time it is visible.
 */
export async function rotateApiKey(
  tx: Tx,
  args: { merchantId: string; mode: KeyMode; now: Date; graceSeconds?: number },
): Promise<{ plaintext: string; previousExpiresAt: Date }> {
  const previousExpiresAt = new Date(args.now.getTime() + (args.graceSeconds ?? 0) * 1000);
  await tx
    .update(apiKeys)
    .set({ revokedAt: previousExpiresAt })
    .where(
      and(
        eq(apiKeys.merchantId, args.merchantId),
        eq(apiKeys.mode, args.mode),
        or(isNull(apiKeys.revokedAt), gt(apiKeys.revokedAt, previousExpiresAt)),
      ),
    );
  return { plaintext: await issueApiKey(tx, args), previousExpiresAt };
}

/** How long a rotated-out webhook secret keeps signing by default (Stripe's default too). */
export const WEBHOOK_SECRET_OVERLAP_SECONDS = 24 * 3600;
/** The longest overlap a rotation may ask for. */
export const WEBHOOK_SECRET_OVERLAP_MAX_SECONDS = 7 * 24 * 3600;

/**
 * Issues a new webhook secret for the mode (the current one from now on) and lets every other
 * secret of the mode expire after `expiresInSeconds` (default 24 h, 0 = at once; an earlier
 * expiry is never pushed back). Until then every delivery carries one `v1=` per valid secret,
 * the new one first, so events in flight verify at a merchant that has not switched yet.
 * The new endpoint keeps the current endpoint's URL unless `url` is given. Returns the new
 * plaintext — the only time it is visible — and when the previous secrets stop signing.
 */
export async function rollWebhookSecret(
  tx: Tx,
  args: {
    merchantId: string;
    mode: KeyMode;
    now: Date;
    keys: SecretKeys;
    url?: string;
    expiresInSeconds?: number;
  },
): Promise<{ secret: string; previousExpiresAt: Date }> {
  const expiresInSeconds = args.expiresInSeconds ?? WEBHOOK_SECRET_OVERLAP_SECONDS;
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 0 ||
    expiresInSeconds > WEBHOOK_SECRET_OVERLAP_MAX_SECONDS
  ) {
    throw new ApiError(
      'invalid_request',
      'value_out_of_range',
      `expires_in must be a whole number of seconds from 0 to ${WEBHOOK_SECRET_OVERLAP_MAX_SECONDS}.`,
      'expires_in',
    );
  }
  const ofMode = and(eq(webhookEndpoints.merchantId, args.merchantId), eq(webhookEndpoints.mode, args.mode));
  let url = args.url;
  if (url === undefined) {
    const [current] = await tx
      .select({ url: webhookEndpoints.url })
      .from(webhookEndpoints)
      .where(and(ofMode, eq(webhookEndpoints.enabled, true), isNull(webhookEndpoints.expiresAt)))
      .orderBy(desc(webhookEndpoints.createdAt))
      .limit(1);
    if (!current) {
      throw new ApiError('not_found', 'webhook_endpoint_not_found', 'No webhook endpoint in this mode.');
    }
    url = current.url;
  }
  const previousExpiresAt = new Date(args.now.getTime() + expiresInSeconds * 1000);
  await tx
    .update(webhookEndpoints)
    .set({ expiresAt: previousExpiresAt })
    .where(
      and(ofMode, or(isNull(webhookEndpoints.expiresAt), gt(webhookEndpoints.expiresAt, previousExpiresAt))),
    );
  const secret = generateWebhookSecret();
  await tx.insert(webhookEndpoints).values({
    id: newId('we'),
    merchantId: args.merchantId,
    mode: args.mode,
    url,
    secret: sealWebhookSecret(args.keys, args.merchantId, secret),
    createdAt: args.now,
  });
  return { secret, previousExpiresAt };
}

/** `rollWebhookSecret` returning only the new plaintext. */
export async function rotateWebhookSecret(
  tx: Tx,
  args: {
    merchantId: string;
    mode: KeyMode;
    url: string;
    now: Date;
    keys: SecretKeys;
    expiresInSeconds?: number;
  },
): Promise<string> {
  return (await rollWebhookSecret(tx, args)).secret;
}

export interface AuthenticatedMerchant {
  merchantId: string;
  mode: KeyMode;
  keyId: string;
  name: string;
  scene: string;
}

/** Looks a presented key up by its hash; `null` for unknown, retired (as of `now`) or suspended. */
export async function findMerchantByApiKey(
  database: Database,
  presented: string,
  now: Date,
): Promise<AuthenticatedMerchant | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const rows = await database.db
    .select({
      keyId: apiKeys.id,
      mode: apiKeys.mode,
      revokedAt: apiKeys.revokedAt,
      merchantId: merchants.id,
      name: merchants.name,
      scene: merchants.scene,
      status: merchants.status,
    })
    .from(apiKeys)
    .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
    .where(eq(apiKeys.keyHash, parsed.hash))
    .limit(1);
  const row = rows[0];
  const retired = row?.revokedAt != null && row.revokedAt.getTime() <= now.getTime();
  if (!row || retired || row.status !== 'active' || row.mode !== parsed.mode) return null;
  return { merchantId: row.merchantId, mode: row.mode, keyId: row.keyId, name: row.name, scene: row.scene };
}
