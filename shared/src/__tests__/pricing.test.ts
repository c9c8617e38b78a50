import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APR_BANDS,
  baseAnnualRate,
  type Decimal,
  dec,
  decCmp,
  decToString,
  inBand,
  PRODUCT_CODES,
  PRODUCTS,
  priceAnnualRate,
  quote,
  REPAYMENT_METHODS,
  rateToWire,
  SCENE_CATEGORIES,
  SCENES,
  SERVICE_FEE_OPTIONS,
  tierFor,
  toWirePlan,
  toWireQuote,
} from '../index';

const s = (d: Decimal) => decToString(d);

describe('tier and rate', () => {
  it.each([
    [750, true, 'premium'],
    [749, false, 'regular'],
    [749, true, 'new'],
    [900, true, 'premium'],
  ] as const)('score %i, new user %s → %s', (creditScore, isNewUser, tier) => {
    expect(tierFor({ creditScore, isNewUser })).toBe(tier);
  });

  it.each([
    ['premium', 750, '0.126'],
    ['premium', 825, '0.099'],
    ['premium', 950, '0.072'],
    ['regular', 550, '0.162'],
    ['regular', 650, '0.1349'], // 0.162 − 0.054 × 100/199 = 0.134864…
    ['regular', 749, '0.108'],
    ['new', 300, '0.18'],
    ['new', 749, '0.135'],
  ] as const)('%s tier, score %i → long-term annual rate %s', (tier, score, rate) => {
    const r = baseAnnualRate(tier, score);
    expect(s(r)).toBe(rate);
    expect(inBand(r, APR_BANDS[tier])).toBe(true);
  });

  it('short terms are cheaper, floored at 0.02 %/day: new user score 700 at 12 / 3 / 2 / 1 months and 7 days', () => {
    const rate = (months: number) =>
      s(priceAnnualRate({ product: 'cash_loan', tier: 'new', creditScore: 700, term: { months } }));
    expect(rate(12)).toBe('0.1461'); // 0.18 − 0.045 × 150/199 = 0.146080…
    expect(rate(3)).toBe('0.1096'); // − 0.01 %/day × 365
    expect(rate(2)).toBe('0.0731'); // − 0.02 %/day × 365
    expect(rate(1)).toBe('0.073'); // − 0.03 %/day × 365 hits the floor
    expect(
      s(priceAnnualRate({ product: 'cash_loan', tier: 'new', creditScore: 700, term: { days: 7 } })),
    ).toBe('0.073');
    // a premium long-term rate already below the floor is not raised
    expect(
      s(priceAnnualRate({ product: 'cash_loan', tier: 'premium', creditScore: 950, term: { months: 1 } })),
    ).toBe('0.072');
  });

  it('scene installment is the cash-loan rate minus the category discount (1.2–2.4 points)', () => {
    for (const c of SCENE_CATEGORIES) {
      const d = SCENES[c].discount.units;
      expect(d >= 12n && d <= 24n && SCENES[c].discount.scale === 3).toBe(true);
    }
    expect(SCENE_CATEGORIES).toHaveLength(9);
    const base = priceAnnualRate({
      product: 'cash_loan',
      tier: 'premium',
      creditScore: 800,
      term: { months: 12 },
    });
    expect(s(base)).toBe('0.108');
    expect(
      s(
        priceAnnualRate({
          product: 'scene_installment',
          tier: 'premium',
          creditScore: 800,
          term: { months: 6 },
          sceneCategory: 'education',
        }),
      ),
    ).toBe('0.084');
    expect(
      s(
        priceAnnualRate({
          product: 'scene_installment',
          tier: 'premium',
          creditScore: 800,
          term: { months: 6 },
          sceneCategory: 'dining',
        }),
      ),
    ).toBe('0.096');
  });

  it('interest-free products price at 0 whatever the tier', () => {
    expect(
      s(
        priceAnnualRate({
          product: 'education_installment',
          tier: 'new',
          creditScore: 600,
          term: { months: 12 },
        }),
      ),
    ).toBe('0');
    expect(
      s(priceAnnualRate({ product: 'emergency_loan', tier: 'new', creditScore: 600, term: { days: 30 } })),
    ).toBe('0');
  });
});

describe('quote', () => {
  it('cash loan ¥10,000, 12 months, premium 825: schedule + disclosure; wire shape with decimal strings and integer fen', () => {
    const r = quote({
      product: 'cash_loan',
      principalFen: 1_000_000n,
      termMonths: 12,
      method: 'equal_installment',
      startDate: '2026-03-01',
      tier: 'premium',
      creditScore: 825,
    });
    if (!r.ok) throw new Error(r.code);
    const w = toWireQuote(r.value.schedule, r.value.disclosure);
    expect(w.nominal_annual_rate).toBe('0.099');
    expect(w.currency).toBe('CNY');
    expect(w.installments).toHaveLength(12);
    expect(w.installments[0]).toMatchObject({ number: 1, due_date: '2026-04-01' });
    expect(w.total_amount).toBe(w.principal_amount + w.total_interest_amount + w.total_fee_amount);
    expect(w.installments.reduce((t, i) => t + i.principal_amount, 0)).toBe(1_000_000);
    // APR of a plain amortizing loan ≈ its nominal rate
    expect(Math.abs(Number(w.apr) - 0.099) < 0.0001).toBe(true);
    expect(w.daily_rate).toBe(rateToWire(r.value.disclosure.dailyRate));
  });

  it('service fee option on a 12-period scene installment: 2 % of principal in 12 equal parts, APR includes it', () => {
    const r = quote({
      product: 'scene_installment',
      principalFen: 600_000n,
      termMonths: 12,
      method: 'equal_installment',
      startDate: '2026-03-01',
      tier: 'regular',
      creditScore: 700,
      sceneCategory: 'travel',
      withServiceFee: true,
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.value.schedule.totalFeeFen).toBe(12_000n);
    expect(r.value.schedule.installments.every((i) => i.feeFen === 1_000n)).toBe(true);
    const nominal = Number(decToString(r.value.disclosure.nominalAnnualRate));
    expect(Number(rateToWire(r.value.disclosure.apr)) > nominal + 0.03).toBe(true);
  });

  it('toWirePlan: 6-period dining plan for ¥600.00 at the scene rate, amounts consistent', () => {
    const r = quote({
      product: 'scene_installment',
      principalFen: 60_000n,
      termMonths: 6,
      method: 'equal_installment',
      startDate: '2026-03-01',
      tier: 'premium',
      creditScore: 800,
      sceneCategory: 'dining',
    });
    if (!r.ok) throw new Error(r.code);
    const p = toWirePlan(r.value.schedule, r.value.disclosure);
    expect(p.installments).toBe(6);
    expect(p.installment_amount).toBe(Number(r.value.schedule.installments[0]?.amountFen));
    expect(p.total_amount).toBe(60_000 + p.total_interest_amount + p.total_fee_amount);
    expect(p.apr).toMatch(/^0\.09\d*$/); // 9.6 % nominal, no fees
  });

  it('service fee options are 0.5 / 1 / 1.5 / 2 % for 3 / 6 / 9 / 12 periods', () => {
    expect(Object.fromEntries(Object.entries(SERVICE_FEE_OPTIONS).map(([k, v]) => [k, s(v)]))).toEqual({
      3: '0.005',
      6: '0.01',
      9: '0.015',
      12: '0.02',
    });
  });

  it('emergency loan ¥5,000 for 30 days is interest-free: total = principal, APR 0', () => {
    const r = quote({
      product: 'emergency_loan',
      principalFen: 500_000n,
      termDays: 30,
      method: 'single_payment',
      startDate: '2026-03-01',
      tier: 'new',
      creditScore: 600,
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.value.disclosure.totalRepaymentFen).toBe(500_000n);
    expect(rateToWire(r.value.disclosure.apr)).toBe('0');
    expect(r.value.schedule.installments[0]?.dueDate).toBe('2026-03-31');
  });

  it('cash loan 7-day single payment and daily (随借随还) plans are offered; product ranges match the brief', () => {
    expect(
      quote({
        product: 'cash_loan',
        principalFen: 50_000n,
        termDays: 7,
        method: 'single_payment',
        startDate: '2026-03-01',
        tier: 'new',
        creditScore: 600,
      }).ok,
    ).toBe(true);
    expect(
      quote({
        product: 'cash_loan',
        principalFen: 20_000_000n,
        termMonths: 36,
        method: 'daily',
        startDate: '2026-03-01',
        tier: 'premium',
        creditScore: 800,
      }).ok,
    ).toBe(true);
    expect(PRODUCTS.business_turnover.principalFenMax).toBe(50_000_000n);
    expect(PRODUCTS.education_installment.termMonths).toEqual([12]);
    expect(PRODUCTS.scene_installment.termMonths).toEqual([3, 6, 9, 12]);
  });

  it('business turnover is outside the consumer cap', () => {
    const r = quote({
      product: 'business_turnover',
      principalFen: 50_000_000n,
      termMonths: 36,
      method: 'equal_principal',
      startDate: '2026-03-01',
      tier: 'regular',
      creditScore: 700,
      existingConsumerPrincipalFen: 20_000_000n,
    });
    expect(r.ok).toBe(true);
  });
});

describe('quote properties', () => {
  const inputArb = fc.record({
    product: fc.constantFrom(...PRODUCT_CODES),
    // mostly inside the product's range, sometimes just outside
    principalFen: fc.bigInt({ min: 1n, max: 60_000_000n }),
    inRange: fc.integer({ min: 0, max: 9 }),
    months: fc.option(fc.constantFrom(1, 2, 3, 6, 9, 12, 24, 36, 37), { nil: undefined }),
    days: fc.integer({ min: 1, max: 40 }),
    method: fc.constantFrom(...REPAYMENT_METHODS),
    tier: fc.constantFrom('premium', 'regular', 'new') as fc.Arbitrary<'premium' | 'regular' | 'new'>,
    creditScore: fc.integer({ min: 350, max: 950 }),
    scene: fc.constantFrom(...SCENE_CATEGORIES, 'unknown'),
    fee: fc.boolean(),
  });

  let ok = 0;
  it('every quote either refuses with a quote code or discloses an APR ≤ 24 % with consistent totals', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const range = PRODUCTS[x.product];
        const principalFen =
          x.inRange > 0
            ? range.principalFenMin + (x.principalFen % (range.principalFenMax - range.principalFenMin + 1n))
            : x.principalFen;
        const r = quote({
          product: x.product,
          principalFen,
          ...(x.months !== undefined ? { termMonths: x.months } : { termDays: x.days }),
          method: x.method,
          startDate: '2026-03-31',
          tier: x.tier,
          creditScore: x.creditScore,
          sceneCategory: x.scene,
          withServiceFee: x.fee,
        });
        if (!r.ok) {
          expect([
            'amount_out_of_range',
            'term_out_of_range',
            'method_not_allowed',
            'fee_option_not_allowed',
            'scene_category_unknown',
            'consumer_cap_exceeded',
          ]).toContain(r.code);
          return;
        }
        const d = r.value.disclosure;
        expect(decCmp(d.apr, dec('0.24')) <= 0).toBe(true);
        expect(decCmp(d.apr, dec('0')) >= 0).toBe(true);
        expect(d.totalRepaymentFen).toBe(principalFen + d.totalInterestFen + d.totalFeeFen);
        expect(principalFen >= range.principalFenMin && principalFen <= range.principalFenMax).toBe(true);
        ok += 1;
      }),
      { numRuns: 500 },
    );
    expect(ok).toBeGreaterThan(50); // the generator really reaches priced quotes
  });
});
