/**
 * @fenqi/shared — the pure domain core of Fenqi: money, rates and APR, schedules, repayment
 * allocation, pricing, credit line, suitability, education quiz and data authorisations.
 * No I/O, no clock (dates and instants come in as arguments), browser-safe.
 * Conventions and rounding rules: shared/README.md.
 */

export * from './apr';
export * from './authorizations';
// Protection area (risk engineer's modules, re-exported so every user imports one entry).
export * from './collections';
export * from './contract';
export * from './credit-decision';
export * from './credit-evaluation';
export * from './credit-line';
export * from './dates';
export * from './decimal';
export * from './disclosure';
export * from './education';
export * from './money';
export * from './pricing';
export * from './rates';
export * from './repayment';
export * from './result';
export * from './risk/digital-mask';
export * from './risk/engine';
export * from './schedule';
export * from './smart-repayment';
export * from './suitability';
