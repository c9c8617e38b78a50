/**
 * The one place functions/ imports the database package from, so the seam with `@fenqi/db`
 * is visible in one file.
 */
export type { Database, Tx } from '@fenqi/db';
export { newId, schema, withTransaction } from '@fenqi/db';
