export type { StateViewProps } from './state-view';
export { StateView } from './state-view';
