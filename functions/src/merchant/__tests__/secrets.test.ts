import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openWebhookSecret, sealWebhookSecret } from '../secrets';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('webhook secrets at rest', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  const secret = 'whsec_0123456789abcdefghijklmnopqrstuv';

  it('are stored encrypted and open only for their merchant', () => {
    const sealed = sealWebhookSecret({ vaultKeys: [k1] }, 'mch_a', secret);
    expect(sealed).toMatch(/^enc1:k1:/);
    expect(sealed).not.toContain(secret.slice(6));
    expect(openWebhookSecret({ vaultKeys: [k1] }, 'mch_a', sealed)).toBe(secret);
    expect(openWebhookSecret({ vaultKeys: [k1] }, 'mch_b', sealed)).toBeNull();
    expect(openWebhookSecret(undefined, 'mch_a', sealed)).toBeNull();
    expect(openWebhookSecret({ vaultKeys: [k2] }, 'mch_a', sealed)).toBeNull();
  });

  it('still open after a key rotation (new key first, old key kept for reading)', () => {
    const sealed = sealWebhookSecret({ vaultKeys: [k1] }, 'mch_a', secret);
    expect(openWebhookSecret({ vaultKeys: [k2, k1] }, 'mch_a', sealed)).toBe(secret);
    expect(sealWebhookSecret({ vaultKeys: [k2, k1] }, 'mch_a', secret)).toMatch(/^enc1:k2:/);
  });

  it('read legacy plaintext whsec_ values as they are, and nothing else', () => {
    expect(openWebhookSecret(undefined, 'mch_a', secret)).toBe(secret);
    expect(openWebhookSecret(undefined, 'mch_a', 'garbage')).toBeNull();
    expect(openWebhookSecret({ vaultKeys: [k1] }, 'mch_a', 'enc1:nokeyid')).toBeNull();
  });
});
