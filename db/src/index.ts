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
export { newId } from './ids';
export * as schema from './schema';
export * from './schema';
export { isLoopbackHost, startWsProxy, type WsProxy } from './ws-proxy';
