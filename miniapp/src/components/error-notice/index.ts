export type { ErrorNoticeProps } from './error-notice';
export { ErrorNotice } from './error-notice';
