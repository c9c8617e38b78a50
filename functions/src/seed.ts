/**
 * `seedDemo`: the demo merchant for `npm start` (development and test configuration only).
 * Idempotent. Keys are stored hashed, so the plaintext test key and webhook secret are
 * written once to `<dataDir>/demo-credentials.json` (mode 0600) and read back on every later
 * start; if the file is lost the key and secret are rotated and the file rewritten.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppConfig } from './config';
import { type Database, schema, withTransaction } from './db';
import { DEMO_MERCHANT_ID, DEMO_MERCHANT_NAME, DEMO_SCENE, demoNotifyUrl } from './merchant/demo';
import { parseApiKey } from './merchant/keys';
import { createMerchant, rotateApiKey, rotateWebhookSecret } from './merchant/merchants';
import { openWebhookSecret } from './merchant/secrets';

export interface DemoSeed {
  merchant: { id: string; name: string; scene: string; apiKey: string; webhookSecret: string } | null;
  credentialsPath: string | null;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_DATA_DIR = path.resolve(here, '../../.data');

interface StoredCredentials {
  merchant_id: string;
  api_key: string;
  webhook_secret: string;
}

function readStored(file: string): StoredCredentials | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
    if (
      parsed.merchant_id === DEMO_MERCHANT_ID &&
      typeof parsed.api_key === 'string' &&
      typeof parsed.webhook_secret === 'string'
    ) {
      return parsed as StoredCredentials;
    }
  } catch {
    // missing or unreadable: rotate below
  }
  return null;
}

export async function seedDemo(deps: {
  database: Database;
  config: AppConfig;
  dataDir?: string;
  now?: Date;
}): Promise<DemoSeed> {
  if (deps.config.mode === 'production') return { merchant: null, credentialsPath: null };
  const dataDir = deps.dataDir ?? process.env.FENQI_DATA_DIR ?? DEFAULT_DATA_DIR;
  const file = path.join(dataDir, 'demo-credentials.json');
  const now = deps.now ?? new Date();
  const webhookUrl = demoNotifyUrl(undefined);
  const { database } = deps;

  const stored = readStored(file);
  const credentials = await withTransaction(database, async (tx) => {
    const [existing] = await tx
      .select()
      .from(schema.merchants)
      .where(eq(schema.merchants.id, DEMO_MERCHANT_ID))
      .for('update');
    if (!existing) {
      const created = await createMerchant(tx, {
        id: DEMO_MERCHANT_ID,
        name: DEMO_MERCHANT_NAME,
        scene: DEMO_SCENE,
        modes: ['test'],
        webhookUrl,
        now,
        keys: deps.config,
      });
      return { api_key: created.apiKeys.test!, webhook_secret: created.webhookSecrets.test!, written: true };
    }
    if (
      stored &&
      (await keyIsActive(tx, stored.api_key)) &&
      (await secretIsCurrent(tx, deps.config, stored.webhook_secret))
    ) {
      return { api_key: stored.api_key, webhook_secret: stored.webhook_secret, written: false };
    }
    return {
      api_key: (await rotateApiKey(tx, { merchantId: DEMO_MERCHANT_ID, mode: 'test', now })).plaintext,
      webhook_secret: await rotateWebhookSecret(tx, {
        merchantId: DEMO_MERCHANT_ID,
        mode: 'test',
        url: webhookUrl,
        now,
        keys: deps.config,
      }),
      written: true,
    };
  });
  if (credentials.written) {
    mkdirSync(dataDir, { recursive: true });
    const body: StoredCredentials = {
      merchant_id: DEMO_MERCHANT_ID,
      api_key: credentials.api_key,
      webhook_secret: credentials.webhook_secret,
    };
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    merchant: {
      id: DEMO_MERCHANT_ID,
      name: DEMO_MERCHANT_NAME,
      scene: DEMO_SCENE,
      apiKey: credentials.api_key,
      webhookSecret: credentials.webhook_secret,
    },
    credentialsPath: file,
  };
}

async function keyIsActive(
  tx: Parameters<Parameters<typeof withTransaction>[1]>[0],
  plaintext: string,
): Promise<boolean> {
  const parsed = parseApiKey(plaintext);
  if (!parsed) return false;
  const [row] = await tx.select().from(schema.apiKeys).where(eq(schema.apiKeys.keyHash, parsed.hash));
  return Boolean(row && row.revokedAt === null && row.merchantId === DEMO_MERCHANT_ID);
}

/**
 * The stored plaintext is the current endpoint's secret (enabled, not rotated out) and opens
 * with today's vault keys.
 */
async function secretIsCurrent(
  tx: Parameters<Parameters<typeof withTransaction>[1]>[0],
  config: AppConfig,
  plaintext: string,
): Promise<boolean> {
  const rows = await tx
    .select()
    .from(schema.webhookEndpoints)
    .where(
      and(
        eq(schema.webhookEndpoints.merchantId, DEMO_MERCHANT_ID),
        eq(schema.webhookEndpoints.enabled, true),
        isNull(schema.webhookEndpoints.expiresAt),
      ),
    );
  return rows.some((row) => openWebhookSecret(config, DEMO_MERCHANT_ID, row.secret) === plaintext);
}
