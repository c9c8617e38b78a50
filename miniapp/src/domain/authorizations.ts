/**
 * The data authorisations as the shared catalogue defines them (names and purposes in
 * Chinese); the server's list wins where it has its own text.
 */
import { DATA_AUTHORIZATIONS } from '@fenqi/shared';

export const AUTHORIZATIONS = DATA_AUTHORIZATIONS.map((a) => ({
  key: a.key,
  name: a.nameZh,
  purpose: a.purposeZh,
}));

/** Needed for any credit decision (privacy rules, assessment, identity): given with the agreement. */
export const ESSENTIAL_CONSENTS = ['privacy_policy', 'credit_assessment', 'identity_verification'];

/** Offered (switched on, switchable) on the credit application: the main evaluation inputs. */
export const CREDIT_CONSENTS = ['payment_flow', 'consumption_records', 'social_activity'].filter((k) =>
  AUTHORIZATIONS.some((a) => a.key === k),
);
