/**
 * `npm run db:verify`: check the invariants of the database named by DATABASE_URL (or the
 * embedded PGlite data directory). Exit code 1 when any invariant is violated.
 */
import { migrate, openDatabase } from './client';
import { verifyInvariants } from './verify';

const database = await openDatabase();
try {
  // A fresh embedded database is migrated first; a server database is checked as it is.
  if (database.driver === 'pglite') await migrate(database);
  const violations = await verifyInvariants(database);
  for (const v of violations) console.log(`VIOLATION ${v.invariant} ${v.subject}: ${v.detail}`);
  console.log(
    violations.length === 0
      ? `db:verify ok (${database.driver}, ${database.location})`
      : `db:verify found ${violations.length} violation(s) (${database.driver}, ${database.location})`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
} finally {
  await database.close();
}
