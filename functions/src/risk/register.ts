/**
 * Wires the protection area into the service at import time (imported by routes/protection.ts):
 * the risk gate, the weighted credit scorer, the borrower hooks and the daily-batch steps.
 */
import { registerDailyStep } from '../batch/daily';
import { registerRiskGate } from '../risk-gate';
import { purgeAuditLog } from '../security/audit';
import { planCollectionsForDay } from './collections-job';
import { registerWeightedScorer, runQuarterlyReview } from './credit-review';
import { protectionRiskGate } from './gate';
import { registerProtectionHooks } from './hooks';

registerRiskGate(protectionRiskGate);
registerWeightedScorer();
registerProtectionHooks();

registerDailyStep({
  name: 'collections_plan',
  run: async ({ tx, businessDate, asOf }) => planCollectionsForDay(tx, businessDate, asOf),
});
registerDailyStep({
  name: 'credit_quarterly_review',
  run: async ({ tx, businessDate, asOf }) => runQuarterlyReview(tx, businessDate, asOf),
});
registerDailyStep({
  name: 'audit_purge',
  run: async ({ tx, asOf }) => ({ audit_records_purged: await purgeAuditLog(tx, asOf) }),
});
