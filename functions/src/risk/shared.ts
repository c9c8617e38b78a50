/** The protection area's pure code, from the @fenqi/shared entry. */
export * from '@fenqi/shared';
