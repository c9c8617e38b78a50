/**
 * The protection area's pure code from @fenqi/shared. Imported through this one file so that
 * it can switch to the package entry (`@fenqi/shared`) once its index re-exports these modules.
 */
export * from '../../../shared/src/collections';
export * from '../../../shared/src/contract';
export * from '../../../shared/src/credit-evaluation';
export * from '../../../shared/src/risk/digital-mask';
export * from '../../../shared/src/risk/engine';
