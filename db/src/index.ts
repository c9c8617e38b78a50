export {
  createTestDatabase,
  type Database,
  type Db,
  type DbOrTx,
  type DriverName,
  defaultDataDir,
  isNeonHost,
  migrate,
  migrationsFolder,
  type OpenOptions,
  openDatabase,
  pgConstraint,
  pgErrorCode,
  RETRYABLE_CODES,
  redactUrl,
  type Schema,
  serverTestUrl,
  type TestDatabase,
  type TransactionOptions,
  type Tx,
  withTransaction,
} from './client';
export { deferWrite, takeDeferred, withDeferred } from './deferred';
export { createUserWithLine, simpleSchedule } from './fixtures';
export { newId } from './ids';
export * from './ledger';
export * from './money-movement';
export { executeWithValues, reusableSelect, reusableWrite } from './reusable';
export * as schema from './schema';
export * from './schema';
export { INVARIANTS, type Violation, verifyInvariants } from './verify';
export { isLoopbackHost, startWsProxy, type WsProxy } from './ws-proxy';
