/**
 * Apply db/migrations to the database named by DATABASE_URL (or the embedded PGlite one).
 * Used as a deployment build step (`tsx db/src/migrate-cli.ts`).
 */
import { migrate, openDatabase } from './client';

const database = await openDatabase();
try {
  const startedMs = performance.now();
  await migrate(database);
  console.log(
    `migrations applied (${database.driver}, ${database.location}) in ${Math.round(performance.now() - startedMs)} ms`,
  );
} finally {
  await database.close();
}
