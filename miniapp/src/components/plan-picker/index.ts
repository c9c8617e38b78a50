export type { PlanOption, PlanPickerProps } from './plan-picker';
export { PlanPicker } from './plan-picker';
