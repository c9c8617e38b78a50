/**
 * Where the 22 switchable authorisations are enforced for the protection area. Data behind
 * a switched-off authorisation is never loaded into a decision:
 * - `location` off → the risk engine never receives a location (impossible-travel rule idle);
 * - `device_info` off → device ids are not used (multi-device rule idle);
 * - `payment_flow`, `social_activity`, `consumption_records` off → that credit indicator is
 *   left out of the evaluation (and re-weighted, so the user is not penalised);
 * - `third_party_data` off → partner anti-fraud lists are not consulted;
 * - `repayment_reminders_sms` off → no SMS reminders or collection SMS;
 * - `contacts`: collections never read contacts at all (no third-party contact, ever).
 * Authorisations are opt-in: no row, or `granted = false`, means off.
 */
import { and, eq } from 'drizzle-orm';
import { type Database, schema, type Tx } from '../db';

export async function grantedAuthorizations(db: Database['db'] | Tx, userId: string): Promise<Set<string>> {
  const rows = await db
    .select({ key: schema.authorizations.key })
    .from(schema.authorizations)
    .where(and(eq(schema.authorizations.userId, userId), eq(schema.authorizations.granted, true)));
  return new Set(rows.map((r) => r.key));
}
