export type { BorrowFormProps, BorrowFormValue, ChoiceOption } from './borrow-form';
export { BorrowForm } from './borrow-form';
