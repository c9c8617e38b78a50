import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Component tests run in jsdom. Taro's components and API are replaced by tiny stubs
// (test-support/) so tests render plain DOM and can drive `Taro.request` / `Taro.login`.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  define: {
    FENQI_API_BASE: JSON.stringify(''),
    FENQI_DEV_LOGIN: JSON.stringify('1'),
    'process.env.TARO_ENV': JSON.stringify('h5'),
  },
  resolve: {
    alias: {
      '@tarojs/components': path.resolve(__dirname, 'test-support/taro-components.tsx'),
      '@tarojs/taro': path.resolve(__dirname, 'test-support/taro.ts'),
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/__tests__/**/*.test.{ts,tsx}'],
    setupFiles: [path.resolve(__dirname, 'test-support/setup.ts')],
  },
});
