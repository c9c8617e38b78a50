import { defineConfig } from 'vitest/config';

// One vitest run covers every workspace. Database suites that need a real
// PostgreSQL server read FENQI_TEST_PG_URL (set by scripts/test.mjs when a
// server answers) and say so when they skip.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'shared', include: ['shared/src/**/__tests__/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'db',
          include: ['db/src/**/__tests__/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'functions',
          include: ['functions/src/**/__tests__/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      { extends: './miniapp/vitest.config.ts', test: { name: 'miniapp', root: './miniapp' } },
      {
        test: {
          name: 'tests',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
