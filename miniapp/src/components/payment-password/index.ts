export type { PaymentPasswordInputProps, PaymentPasswordPromptProps } from './payment-password';
export { isSixDigits, PaymentPasswordInput, PaymentPasswordPrompt, sixDigits } from './payment-password';
