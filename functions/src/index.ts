/** Public surface of @fenqi/functions. */
export { type AppDeps, type AppHandler, createApp, type RequestLogEntry } from './app';
export { type DailyStep, registerDailyStep, runDailyBatchUpTo } from './batch/daily';
export { type CreditScore, type CreditScorer, registerCreditScorer } from './borrower/bureau';
export { type BorrowerHookArgs, registerBorrowerHook } from './borrower/hooks';
export { disclosureBlock, LICENSED_INSTITUTION } from './borrower/institution';
export { devOpenidHash, identityHash } from './borrower/session';
export { setWechatTransport, type WechatTransport } from './borrower/wechat';
export { type AppConfig, ConfigError, loadConfig, type Mode } from './config';
export { registerAuthenticator } from './http/auth';
export { ApiError, type ErrorType } from './http/errors';
export { defineRoute, type Route, type RouteContext, type RouteResult } from './http/route';
export {
  allowAllRiskGate,
  type RiskDecision,
  type RiskGate,
  type RiskInput,
  registerRiskGate,
  riskGate,
} from './risk-gate';
export { type DemoSeed, seedDemo } from './seed';
