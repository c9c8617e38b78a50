export type { DisclosureFooterProps } from './disclosure-footer';
export { DisclosureFooter } from './disclosure-footer';
