import path from 'node:path';
import { defineConfig, type UserConfigExport } from '@tarojs/cli';

/**
 * Taro build configuration for both targets.
 *
 * - `outputRoot` is `dist/<target>` so `dist/weapp` (WeChat project, see ../project.config.json)
 *   and `dist/h5` (served at `/` by the local server) never overwrite each other.
 * - `@fenqi/shared` is a workspace package shipped as TypeScript source; webpack resolves its
 *   symlink to `../shared/src`, which lies outside `src/`, so it is added to `compile.include`
 *   to go through babel like our own code.
 * - `FENQI_API_BASE` (build-time, weapp only) is the absolute origin of the API, e.g.
 *   `https://fenqi.example.com`. The H5 build calls relative `/v1/...` on its own origin.
 */
const sharedSource = path.resolve(__dirname, '..', '..', 'shared');

export default defineConfig<'webpack5'>(async (merge) => {
  const target = process.env.TARO_ENV ?? 'h5';
  const baseConfig: UserConfigExport<'webpack5'> = {
    projectName: 'fenqi',
    date: '2026-11-28',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: `dist/${target}`,
    plugins: [],
    defineConstants: {
      FENQI_API_BASE: JSON.stringify(process.env.FENQI_API_BASE ?? ''),
      FENQI_DEV_LOGIN: JSON.stringify(
        process.env.FENQI_DEV_LOGIN ??
          (process.env.NODE_ENV === 'production' && target === 'weapp' ? '0' : '1'),
      ),
    },
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: false },
    mini: {
      compile: { include: [sharedSource] },
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: {
          enable: false,
          config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' },
        },
      },
      optimizeMainPackage: { enable: true },
      miniCssExtractPluginOption: { ignoreOrder: true },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      compile: { include: [sharedSource] },
      output: {
        filename: 'js/[name].[contenthash:8].js',
        chunkFilename: 'js/[name].[contenthash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[contenthash:8].css',
        chunkFilename: 'css/[name].[contenthash:8].css',
      },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: {
          enable: false,
          config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' },
        },
      },
    },
  };
  return merge({}, baseConfig);
});
