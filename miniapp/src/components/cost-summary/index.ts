export type { CostSummaryProps } from './cost-summary';
export { CostSummary } from './cost-summary';
