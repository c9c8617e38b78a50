/** Public surface of @fenqi/functions. */
export { type AppDeps, type AppHandler, createApp, type RequestLogEntry } from './app';
export { type DailyStep, registerDailyStep, runDailyBatchUpTo } from './batch/daily';
export { type AppConfig, ConfigError, loadConfig, type Mode } from './config';
export { registerAuthenticator } from './http/auth';
export { ApiError, type ErrorType } from './http/errors';
export { defineRoute, type Route, type RouteContext, type RouteResult } from './http/route';
export { type RiskDecision, type RiskGate, type RiskInput, registerRiskGate } from './risk-gate';
