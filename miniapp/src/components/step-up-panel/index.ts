export type { StepUpPanelProps } from './step-up-panel';
export { StepUpPanel } from './step-up-panel';
