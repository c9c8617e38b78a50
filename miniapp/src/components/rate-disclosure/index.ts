export type { RateDisclosureProps } from './rate-disclosure';
export { RateDisclosure } from './rate-disclosure';
