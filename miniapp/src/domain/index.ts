/**
 * The mini-app's only door to `@fenqi/shared`: display formatting of fen and rates, parsing
 * of typed amounts, the live trial calculation (the same `quote` the server runs) and the
 * cost comparison between choices. Components receive the strings this module produces;
 * nothing in the mini-app does money arithmetic itself.
 */
import {
  businessDateOf,
  compareFen,
  fen,
  fenToJson,
  formatFen,
  formatFenWan,
  PRODUCTS,
  parseYuan,
  quote,
  rateToPercent,
  SERVICE_FEE_OPTIONS,
  subtractFen,
  toWireQuote,
  tryDec,
} from '@fenqi/shared';
import type { ProductCode, Quote, RepaymentMethod } from '../services/types';

export type Tier = 'premium' | 'regular' | 'new';

/** "¥1,234.56" for an integer fen amount from the wire. */
export function money(amountFen: number | null | undefined): string {
  return formatFen(fen(amountFen ?? 0));
}

/** Headline style ("3.5万" from ¥10,000 up, truncated so a limit is never overstated). */
export function moneyHeadline(amountFen: number | null | undefined): string {
  return formatFenWan(fen(amountFen ?? 0));
}

/** A wire rate ("0.1825") in percent with `places` decimals ("18.25%"); "—" if malformed. */
export function percent(rate: string | null | undefined, places = 2): string {
  const parsed = rate ? tryDec(rate) : null;
  return parsed ? rateToPercent(parsed, places) : '—';
}

/** The three rates as the UI shows them: APR and monthly to 2 places, daily to 4. */
export function rates(source: { apr: string; monthly_rate: string; daily_rate: string }) {
  return {
    apr: percent(source.apr, 2),
    monthlyRate: percent(source.monthly_rate, 2),
    dailyRate: percent(source.daily_rate, 4),
  };
}

/** Typed yuan text ("5000.5") → fen for the wire; null when empty or malformed. */
export function parseAmountText(text: string): number | null {
  const parsed = text.trim() === '' ? null : parseYuan(text.trim());
  return parsed === null || parsed < 0n ? null : fenToJson(parsed);
}

/** Today's business date (Asia/Shanghai) for the trial calculation. */
export function todayBusinessDate(nowMs: number): string {
  return businessDateOf(nowMs);
}

export const PRODUCT_NAMES: Record<ProductCode, string> = {
  cash_loan: '随借随还',
  business_turnover: '周转金',
  education_installment: '教育分期',
  emergency_loan: '应急借',
  scene_installment: '场景分期',
};

export const METHOD_NAMES: Record<RepaymentMethod, string> = {
  equal_installment: '等额本息',
  equal_principal: '等额本金',
  interest_first: '先息后本',
  single_payment: '到期一次还',
  daily: '按日计息',
};

/** A term as the UI encodes it: `m12` (12 months) or `d30` (30 days). */
export type TermKey = `m${number}` | `d${number}`;

export function termLabel(term: string): string {
  const n = Number(term.slice(1));
  return term.startsWith('m') ? `${n}个月` : `${n}天`;
}

export function termToWire(term: string): { term_months: number } | { term_days: number } {
  const n = Number(term.slice(1));
  return term.startsWith('m') ? { term_months: n } : { term_days: n };
}

/** The product's rules from the shared catalogue (the same one the server enforces). */
export function productRules(code: ProductCode) {
  const p = PRODUCTS[code];
  return {
    minAmount: fenToJson(p.principalFenMin),
    maxAmount: fenToJson(p.principalFenMax),
    interestFree: p.interestFree,
    /** Terms offered as choices: a short list for long ranges. */
    terms: [
      ...(p.termDays
        ? [7, 14, 30].filter((d) => d >= p.termDays!.min && d <= p.termDays!.max).map((d) => `d${d}`)
        : []),
      ...[3, 6, 9, 12, 18, 24, 36].filter((m) => p.termMonths.includes(m)).map((m) => `m${m}`),
    ],
    /** The installment service fee option for a term ("2.00%" of the principal), or null. */
    serviceFeeFor(term: string): string | null {
      const rate =
        p.serviceFeeOption && term.startsWith('m') ? SERVICE_FEE_OPTIONS[Number(term.slice(1))] : undefined;
      return rate ? rateToPercent(rate, 2) : null;
    },
    methodsFor(term: string): RepaymentMethod[] {
      return [...(term.startsWith('m') ? p.monthlyMethods : p.dayMethods)];
    },
  };
}

export interface TrialInput {
  product: ProductCode;
  principalAmount: number;
  term: string;
  method: RepaymentMethod;
  tier: Tier;
  creditScore: number;
  startDate: string;
  /** The installment service fee option (3/6/9/12 periods). */
  withServiceFee?: boolean;
}

export type TrialResult = { ok: true; quote: Quote } | { ok: false; code: string; param?: string };

/** 试算 on the device with the server's own function; the result has the wire shape of POST /v1/quotes. */
export function trialQuote(input: TrialInput): TrialResult {
  const wireTerm = termToWire(input.term);
  const result = quote({
    product: input.product,
    principalFen: fen(input.principalAmount),
    ...('term_months' in wireTerm ? { termMonths: wireTerm.term_months } : { termDays: wireTerm.term_days }),
    method: input.method,
    startDate: input.startDate,
    tier: input.tier,
    creditScore: input.creditScore,
    ...(input.withServiceFee ? { withServiceFee: true } : {}),
  });
  if (!result.ok) {
    return { ok: false, code: result.code, ...(result.param ? { param: result.param } : {}) };
  }
  return { ok: true, quote: toWireQuote(result.value.schedule, result.value.disclosure) as Quote };
}

export interface CostComparison {
  cheapestKey: string | undefined;
  /** Extra cost against the cheapest, formatted ("¥12.34"); "¥0.00" for the cheapest. */
  extraByKey: Record<string, string>;
}

/**
 * Which choice costs least in total (principal + interest + fees, same principal for all)
 * and how many fen more each other one costs.
 */
export function compareCosts(items: { key: string; totalAmount: number }[]): CostComparison {
  if (items.length === 0) {
    return { cheapestKey: undefined, extraByKey: {} };
  }
  let cheapest = items[0]!;
  for (const item of items) {
    if (compareFen(fen(item.totalAmount), fen(cheapest.totalAmount)) < 0) cheapest = item;
  }
  const extraByKey: Record<string, string> = {};
  for (const item of items) {
    extraByKey[item.key] = formatFen(subtractFen(fen(item.totalAmount), fen(cheapest.totalAmount)));
  }
  return { cheapestKey: cheapest.key, extraByKey };
}

/** Equal-amount check without arithmetic on the client: both wire amounts as fen. */
export function sameAmount(a: number, b: number): boolean {
  return compareFen(fen(a), fen(b)) === 0;
}

/** `amount > limit`, both wire fen. */
export function exceeds(amountFen: number, limitFen: number): boolean {
  return compareFen(fen(amountFen), fen(limitFen)) > 0;
}
