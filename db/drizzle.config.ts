import { existsSync } from 'node:fs';
import { defineConfig } from 'drizzle-kit';

// Works from the repo root (`npm run db:generate`) and from `db/`.
const base = existsSync('db/src/schema.ts') ? 'db/' : './';

export default defineConfig({
  dialect: 'postgresql',
  schema: `${base}src/schema.ts`,
  out: `${base}migrations`,
  strict: true,
  verbose: false,
});
