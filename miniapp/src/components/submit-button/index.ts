export type { SubmitButtonProps } from './submit-button';
export { SubmitButton } from './submit-button';
