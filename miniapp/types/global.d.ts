/// <reference types="miniprogram-api-typings" />
/// <reference types="@tarojs/taro" />

declare module '*.png';
declare module '*.svg';
declare module '*.scss';

/** Build-time constants from config/index.ts `defineConstants`. */
declare const FENQI_API_BASE: string;
declare const FENQI_DEV_LOGIN: string;

declare namespace NodeJS {
  interface ProcessEnv {
    NODE_ENV: 'development' | 'production' | 'test';
    TARO_ENV: 'weapp' | 'h5';
  }
}
