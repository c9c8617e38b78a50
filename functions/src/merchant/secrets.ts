/**
 * Webhook secrets at rest. A `whsec_…` secret must be usable as the HMAC key, so it cannot be
 * hashed like an API key; it is stored AES-256-GCM encrypted with the vault keys from the
 * environment (`VAULT_KEYS`, the same keyring and rotation as the identity vault), bound to
 * its merchant by the AAD: `enc1:<key id>:<base64 iv ‖ ciphertext ‖ tag>`. A plaintext
 * `whsec_…` value (rows written before encryption) is still read as it is.
 */
import type { AppConfig } from '../config';
import { decryptPii, encryptPii, keyringFrom } from '../security/vault';

export type SecretKeys = Pick<AppConfig, 'vaultKeys'>;

const PREFIX = 'enc1:';
const subject = (merchantId: string) => `webhook-secret:${merchantId}`;

export function sealWebhookSecret(keys: SecretKeys, merchantId: string, secret: string): string {
  const sealed = encryptPii(keyringFrom(keys), subject(merchantId), secret);
  return `${PREFIX}${sealed.keyId}:${sealed.ciphertext}`;
}

/** The plaintext secret, or `null` when it cannot be read with these keys. */
export function openWebhookSecret(
  keys: SecretKeys | undefined,
  merchantId: string,
  stored: string,
): string | null {
  if (!stored.startsWith(PREFIX)) return stored.startsWith('whsec_') ? stored : null;
  if (!keys) return null;
  const rest = stored.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return null;
  try {
    return decryptPii(keyringFrom(keys), subject(merchantId), rest.slice(0, colon), rest.slice(colon + 1));
  } catch {
    return null;
  }
}
