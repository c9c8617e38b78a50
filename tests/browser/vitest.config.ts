import { defineConfig } from 'vitest/config';

// Browser tests: headless Debian Chromium against the local stack serving the H5 build.
// Run after `npm run build:h5`:  npx vitest run --config tests/browser/vitest.config.ts
export default defineConfig({
  test: {
    name: 'browser',
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
