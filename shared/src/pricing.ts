import type { BusinessDate } from './dates';
import { type Decimal, dec, decCmp, decDiv, decFromInt, decMax, decMin, decMulInt, decSub } from './decimal';
import { type Disclosure, discloseSchedule } from './disclosure';
import type { Fen } from './money';
import { ok, type Refusal, type Result, refuse } from './result';
import {
  buildSchedule,
  type FeePlan,
  type RepaymentMethod,
  type Schedule,
  type ScheduleTerm,
} from './schedule';

export const PRODUCT_CODES = [
  'cash_loan',
  'business_turnover',
  'education_installment',
  'emergency_loan',
  'scene_installment',
] as const;
export type ProductCode = (typeof PRODUCT_CODES)[number];

export interface Product {
  readonly code: ProductCode;
  readonly nameZh: string;
  readonly audience: 'consumer' | 'business';
  readonly principalFenMin: Fen;
  /** Upper bound of the product itself; consumer products are also under the ¥200,000 cap. */
  readonly principalFenMax: Fen;
  /** Allowed monthly terms (empty: none). */
  readonly termMonths: readonly number[];
  /** Allowed day-counted terms, inclusive range, or null. */
  readonly termDays: { readonly min: number; readonly max: number } | null;
  /** Methods allowed with monthly terms. */
  readonly monthlyMethods: readonly RepaymentMethod[];
  /** Methods allowed with day terms. */
  readonly dayMethods: readonly RepaymentMethod[];
  /** Interest-free (merchant-subsidised or promotional): nominal rate 0. */
  readonly interestFree: boolean;
  /** Whether the installment service fee option can be chosen. */
  readonly serviceFeeOption: boolean;
  /** Who receives the money. */
  readonly payee: 'borrower' | 'business_account' | 'course_provider' | 'merchant';
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The product catalogue (产品矩阵), amounts in fen. Choices where the brief is vague:
 * cash loan day terms 7–30 days (single payment or daily), month terms 1–36; emergency loan
 * 7–30 days, single payment, interest-free; education installment exactly 12 periods,
 * interest-free, equal installments; scene installment 3/6/9/12 periods, equal installments.
 */
export const PRODUCTS: Readonly<Record<ProductCode, Product>> = {
  cash_loan: {
    code: 'cash_loan',
    nameZh: '微粒贷',
    audience: 'consumer',
    principalFenMin: 50_000n,
    principalFenMax: 20_000_000n,
    termMonths: range(1, 36),
    termDays: { min: 7, max: 30 },
    monthlyMethods: ['equal_installment', 'equal_principal', 'interest_first', 'daily'],
    dayMethods: ['single_payment', 'daily'],
    interestFree: false,
    serviceFeeOption: true,
    payee: 'borrower',
  },
  business_turnover: {
    code: 'business_turnover',
    nameZh: '周转金',
    audience: 'business',
    principalFenMin: 5_000_000n,
    principalFenMax: 50_000_000n,
    termMonths: range(1, 36),
    termDays: null,
    monthlyMethods: ['equal_installment', 'equal_principal', 'interest_first'],
    dayMethods: [],
    interestFree: false,
    serviceFeeOption: false,
    payee: 'business_account',
  },
  education_installment: {
    code: 'education_installment',
    nameZh: '教育分期',
    audience: 'consumer',
    principalFenMin: 1_000_000n,
    principalFenMax: 10_000_000n,
    termMonths: [12],
    termDays: null,
    monthlyMethods: ['equal_installment'],
    dayMethods: [],
    interestFree: true,
    serviceFeeOption: false,
    payee: 'course_provider',
  },
  emergency_loan: {
    code: 'emergency_loan',
    nameZh: '应急借',
    audience: 'consumer',
    principalFenMin: 50_000n,
    principalFenMax: 500_000n,
    termMonths: [],
    termDays: { min: 7, max: 30 },
    monthlyMethods: [],
    dayMethods: ['single_payment'],
    interestFree: true,
    serviceFeeOption: false,
    payee: 'borrower',
  },
  scene_installment: {
    code: 'scene_installment',
    nameZh: '场景分期',
    audience: 'consumer',
    principalFenMin: 10_000n,
    principalFenMax: 20_000_000n,
    termMonths: [3, 6, 9, 12],
    termDays: null,
    monthlyMethods: ['equal_installment'],
    dayMethods: [],
    interestFree: false,
    serviceFeeOption: true,
    payee: 'merchant',
  },
};

/** Total consumer principal one person may owe across all consumer products: ¥200,000. */
export const CONSUMER_CAP_FEN = 20_000_000n;

export type Tier = 'premium' | 'regular' | 'new';

/** Score at or above which a user is `premium`. */
export const PREMIUM_SCORE_MIN = 750;
/** Credit scores are on a 350–950 scale (same range as the common consumer scores). */
export const SCORE_MIN = 350;
export const SCORE_MAX = 950;

/**
 * Tier: premium when score ≥ 750; otherwise `new` for a user without any loan history, else
 * `regular`.
 */
export function tierFor(input: { creditScore: number; isNewUser: boolean }): Tier {
  if (input.creditScore >= PREMIUM_SCORE_MIN) return 'premium';
  return input.isNewUser ? 'new' : 'regular';
}

export interface AprBand {
  readonly min: Decimal;
  readonly max: Decimal;
}

/** Annual nominal rate bands per tier (brief: 7.2–12.6 %, 10.8–16.2 %, 13.5–18 %). */
export const APR_BANDS: Readonly<Record<Tier, AprBand>> = {
  premium: { min: dec('0.072'), max: dec('0.126') },
  regular: { min: dec('0.108'), max: dec('0.162') },
  new: { min: dec('0.135'), max: dec('0.18') },
};

/** Score span that maps onto each band (the top of the span gets the band minimum). */
const TIER_SCORE_SPAN: Readonly<Record<Tier, { low: number; high: number }>> = {
  premium: { low: 750, high: 900 },
  regular: { low: 550, high: 749 },
  new: { low: 550, high: 749 },
};

/**
 * Long-term nominal annual rate for a tier and score: linear inside the band, the band maximum
 * at the bottom of the tier's score span and the minimum at its top (scores clamped to the
 * span), rounded half-up to 4 places (0.01 %):
 *   rate = max − (max − min) × (score − low) / (high − low).
 */
export function baseAnnualRate(tier: Tier, creditScore: number): Decimal {
  const band = APR_BANDS[tier];
  const span = TIER_SCORE_SPAN[tier];
  const s = Math.min(Math.max(Math.round(creditScore), span.low), span.high);
  const den = BigInt(span.high - span.low);
  const width = decSub(band.max, band.min);
  const numerator = decSub(decMulInt(band.max, den), decMulInt(width, BigInt(s - span.low)));
  return decDiv(numerator, decFromInt(den), 4);
}

/**
 * Short-term discount (1–3 months are 0.01–0.03 percentage points cheaper per day): as a daily
 * rate reduction, terms ≤ 1 month or day terms 0.03 pp/day, 2 months 0.02, 3 months 0.01; i.e.
 * annual reductions of 0.1095, 0.073, 0.0365. The discounted rate never goes below the daily-rate
 * floor of 0.02 %/day (`SHORT_TERM_FLOOR` = 0.073 a year) — it may go below the tier's band,
 * which describes long terms — and never above the long-term rate.
 */
export const SHORT_TERM_FLOOR: Decimal = dec('0.073');

export function shortTermDiscount(term: ScheduleTerm): Decimal {
  const months = 'days' in term ? 1 : term.months;
  const perDay = months <= 1 ? '0.0003' : months === 2 ? '0.0002' : months === 3 ? '0.0001' : '0';
  return decMulInt(dec(perDay), 365n);
}

export const SCENE_CATEGORIES = [
  'education',
  'medical',
  'travel',
  'dining',
  'retail',
  'digital',
  'home',
  'auto',
  'leisure',
] as const;
export type SceneCategory = (typeof SCENE_CATEGORIES)[number];

/**
 * The nine live scene categories with their Chinese names and the discount (annual percentage
 * points, as a per-unit decimal) below the user's cash-loan rate. Public-interest scenes get the
 * deepest discount.
 */
export const SCENES: Readonly<
  Record<SceneCategory, { readonly nameZh: string; readonly discount: Decimal }>
> = {
  education: { nameZh: '教育', discount: dec('0.024') },
  medical: { nameZh: '医疗', discount: dec('0.024') },
  travel: { nameZh: '旅游', discount: dec('0.018') },
  dining: { nameZh: '餐饮', discount: dec('0.012') },
  retail: { nameZh: '零售', discount: dec('0.015') },
  digital: { nameZh: '数码', discount: dec('0.015') },
  home: { nameZh: '家居', discount: dec('0.018') },
  auto: { nameZh: '汽车服务', discount: dec('0.012') },
  leisure: { nameZh: '休闲娱乐', discount: dec('0.012') },
};

export function isSceneCategory(x: string): x is SceneCategory {
  return (SCENE_CATEGORIES as readonly string[]).includes(x);
}

/**
 * Installment service fee options (分期服务费, "3–12 periods: 0.5 %–2 %"): read as the fee for
 * the whole plan, as a share of the principal, charged in equal parts with each installment.
 */
export const SERVICE_FEE_OPTIONS: Readonly<Record<number, Decimal>> = {
  3: dec('0.005'),
  6: dec('0.01'),
  9: dec('0.015'),
  12: dec('0.02'),
};

export interface PriceInput {
  readonly product: ProductCode;
  readonly tier: Tier;
  readonly creditScore: number;
  readonly term: ScheduleTerm;
  readonly sceneCategory?: SceneCategory;
}

/**
 * Nominal annual interest rate for a product, tier, score and term:
 * interest-free products → 0; scene installment → long-term cash-loan rate − scene discount
 * (floor 0); others → base rate − short-term discount, not below 0.073 (0.02 %/day).
 */
export function priceAnnualRate(input: PriceInput): Decimal {
  const product = PRODUCTS[input.product];
  if (product.interestFree) return dec('0');
  const base = baseAnnualRate(input.tier, input.creditScore);
  if (input.product === 'scene_installment') {
    const discount = input.sceneCategory ? SCENES[input.sceneCategory].discount : dec('0');
    return decMax(decSub(base, discount), dec('0'));
  }
  return decMin(base, decMax(decSub(base, shortTermDiscount(input.term)), SHORT_TERM_FLOOR));
}

export interface QuoteInput {
  readonly product: ProductCode;
  readonly principalFen: Fen;
  readonly termMonths?: number;
  readonly termDays?: number;
  readonly method: RepaymentMethod;
  /** Disbursement date. */
  readonly startDate: BusinessDate;
  readonly tier: Tier;
  readonly creditScore: number;
  readonly sceneCategory?: string;
  /** Choose the installment service fee option (3/6/9/12 periods only). */
  readonly withServiceFee?: boolean;
  readonly dueDayOfMonth?: number;
  /** Consumer principal the person already owes (for the ¥200,000 cap); default 0. */
  readonly existingConsumerPrincipalFen?: Fen;
}

export interface Quote {
  readonly product: ProductCode;
  readonly schedule: Schedule;
  readonly disclosure: Disclosure;
  readonly fee: FeePlan | null;
}

export type QuoteRefusalCode =
  | 'amount_out_of_range'
  | 'term_out_of_range'
  | 'method_not_allowed'
  | 'fee_option_not_allowed'
  | 'scene_category_unknown'
  | 'consumer_cap_exceeded';

/** Checks the product's rules and returns the refusal, or the validated term. */
export function validateQuote(
  input: QuoteInput,
): Result<{ term: ScheduleTerm; fee: FeePlan | null; scene?: SceneCategory }, QuoteRefusalCode> {
  const product = PRODUCTS[input.product];
  if (input.principalFen < product.principalFenMin || input.principalFen > product.principalFenMax) {
    return refuse(
      'amount_out_of_range',
      `principal must be between ${product.principalFenMin} and ${product.principalFenMax} fen`,
      'principal_amount',
    );
  }
  if (
    product.audience === 'consumer' &&
    (input.existingConsumerPrincipalFen ?? 0n) + input.principalFen > CONSUMER_CAP_FEN
  ) {
    return refuse(
      'consumer_cap_exceeded',
      'total consumer borrowing may not exceed ¥200,000',
      'principal_amount',
    );
  }
  let term: ScheduleTerm;
  let methods: readonly RepaymentMethod[];
  if (input.termMonths !== undefined && input.termDays === undefined) {
    if (!product.termMonths.includes(input.termMonths))
      return refuse('term_out_of_range', 'term_months not offered for this product', 'term_months');
    term = { months: input.termMonths };
    methods = product.monthlyMethods;
  } else if (input.termDays !== undefined && input.termMonths === undefined) {
    const d = product.termDays;
    if (!d || !Number.isInteger(input.termDays) || input.termDays < d.min || input.termDays > d.max) {
      return refuse('term_out_of_range', 'term_days not offered for this product', 'term_days');
    }
    term = { days: input.termDays };
    methods = product.dayMethods;
  } else {
    return refuse('term_out_of_range', 'give exactly one of term_months or term_days', 'term_months');
  }
  if (!methods.includes(input.method))
    return refuse('method_not_allowed', 'method not offered for this product and term', 'method');
  let scene: SceneCategory | undefined;
  if (input.product === 'scene_installment') {
    if (input.sceneCategory === undefined || !isSceneCategory(input.sceneCategory)) {
      return refuse('scene_category_unknown', 'unknown scene category', 'scene');
    }
    scene = input.sceneCategory;
  }
  let fee: FeePlan | null = null;
  if (input.withServiceFee) {
    const rate = 'months' in term ? SERVICE_FEE_OPTIONS[term.months] : undefined;
    if (!product.serviceFeeOption || rate === undefined)
      return refuse(
        'fee_option_not_allowed',
        'service fee option is for 3, 6, 9 or 12 periods',
        'with_service_fee',
      );
    fee = { kind: 'total', rate };
  }
  return ok(scene ? { term, fee, scene } : { term, fee });
}

/**
 * Trial calculation (试算): validates the request against the product, prices it, builds the
 * schedule and its disclosure. Every expected failure is a refusal value.
 */
export function quote(input: QuoteInput): Result<Quote, QuoteRefusalCode> {
  const checked = validateQuote(input);
  if (!checked.ok) return checked as Refusal<QuoteRefusalCode>;
  const { term, fee, scene } = checked.value;
  const annualRate = priceAnnualRate(
    scene
      ? {
          product: input.product,
          tier: input.tier,
          creditScore: input.creditScore,
          term,
          sceneCategory: scene,
        }
      : { product: input.product, tier: input.tier, creditScore: input.creditScore, term },
  );
  const schedule = buildSchedule({
    principalFen: input.principalFen,
    method: input.method,
    annualRate,
    term,
    startDate: input.startDate,
    ...(input.dueDayOfMonth !== undefined && 'months' in term ? { dueDayOfMonth: input.dueDayOfMonth } : {}),
    ...(fee ? { fee } : {}),
  });
  return ok({ product: input.product, schedule, disclosure: discloseSchedule(schedule), fee });
}

/** True when `rate` lies inside the tier's band (inclusive). */
export function inBand(rate: Decimal, band: AprBand): boolean {
  return decCmp(rate, band.min) >= 0 && decCmp(rate, band.max) <= 0;
}
