/** Merchant authentication: `Authorization: Bearer sk_test_…|sk_live_…`, looked up by hash. */
import { registerAuthenticator } from '../http/auth';
import { ApiError } from '../http/errors';
import type { Principal } from '../http/route';
import { findMerchantByApiKey } from './merchants';

let registered = false;

export function registerMerchantAuthenticator(): void {
  if (registered) return;
  registered = true;
  registerAuthenticator('merchant', async ({ token, database, now }): Promise<Principal> => {
    const merchant = await findMerchantByApiKey(database, token, now);
    if (!merchant) throw new ApiError('authentication', 'invalid_api_key', 'The API key is not valid.');
    return {
      kind: 'merchant',
      merchantId: merchant.merchantId,
      livemode: merchant.mode === 'live',
      keyId: merchant.keyId,
    };
  });
}
