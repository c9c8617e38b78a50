import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREDIT_INDICATOR_WEIGHTS_BPS,
  CREDIT_LINE_MAX_FEN,
  CREDIT_LINE_MIN_FEN,
  type CreditEvaluationInput,
  evaluateCredit,
  explainCreditChange,
  formatYuanWhole,
} from '../credit-evaluation';

const all = (s: number): CreditEvaluationInput['scores'] => ({
  payment_flow: s,
  consumption_stability: s,
  social_activity: s,
  repayment_history: s,
  account_tenure: s,
  income_verification: s,
});
const base = (over: Partial<CreditEvaluationInput> = {}): CreditEvaluationInput => ({
  scores: all(70),
  monthlyIncomeFen: null,
  highRiskFlags: [],
  ...over,
});

describe('weights', () => {
  it('sum to 100 % with the brief’s main weights', () => {
    const w = CREDIT_INDICATOR_WEIGHTS_BPS;
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect([w.payment_flow, w.consumption_stability, w.social_activity]).toEqual([4_200, 2_200, 1_800]);
  });
  it('payment flow moves the composite 42/18 as much as social activity', () => {
    const a = evaluateCredit(base({ scores: { ...all(50), payment_flow: 60 } })).compositeBps;
    const b = evaluateCredit(base({ scores: { ...all(50), social_activity: 60 } })).compositeBps;
    expect(a - 5_000).toBe(420);
    expect(b - 5_000).toBe(180);
  });
});

describe('line', () => {
  it.each([
    { name: 'all 100 → ¥200,000', s: 100, status: 'approved', lineFen: CREDIT_LINE_MAX_FEN },
    { name: 'exactly 40 → minimum ¥500', s: 40, status: 'approved', lineFen: CREDIT_LINE_MIN_FEN },
    { name: '39 → declined', s: 39, status: 'declined', lineFen: 0n },
    // 70 → 7,000 bps: 500 + 199,500 × 3,000/6,000 = 100,250 → floored to ¥100 = ¥100,200
    { name: '70 → ¥100,200', s: 70, status: 'approved', lineFen: 10_020_000n },
  ])('$name', ({ s, status, lineFen }) => {
    const e = evaluateCredit(base({ scores: all(s) }));
    expect(e.status).toBe(status);
    expect(e.baseLimitFen).toBe(lineFen);
  });
  it('a declined evaluation says why, naming the weak areas', () => {
    const e = evaluateCredit(base({ scores: { ...all(30), account_tenure: 90 } }));
    expect(e.declineCode).toBe('score_too_low');
    const last = e.reasons.at(-1);
    expect(last?.code).toBe('declined_score_too_low');
    expect(last?.text).toContain('payment flow');
    expect(last?.text).not.toContain('account age');
  });
  it('income caps the line at 12 months of income and says so', () => {
    const e = evaluateCredit(base({ scores: all(100), monthlyIncomeFen: 500_000n }));
    expect(e.baseLimitFen).toBe(6_000_000n);
    expect(e.reasons.map((r) => r.code)).toContain('line_capped_by_income');
  });
  it('maps the composite onto the 350–950 credit-score scale', () => {
    expect(evaluateCredit(base({ scores: all(0) })).creditScore).toBe(350);
    expect(evaluateCredit(base({ scores: all(100) })).creditScore).toBe(950);
    expect(evaluateCredit(base({ scores: all(50) })).creditScore).toBe(650);
  });
  it('high-risk flags freeze the line with a reason per flag', () => {
    const e = evaluateCredit(base({ highRiskFlags: ['fraud_list', 'severe_overdue'] }));
    expect(e.status).toBe('frozen');
    expect(e.reasons.filter((r) => r.code.startsWith('frozen_')).map((r) => r.code)).toEqual([
      'frozen_fraud_list',
      'frozen_severe_overdue',
    ]);
  });
  it('an unauthorised indicator is left out and never lowers the score', () => {
    fc.assert(
      fc.property(
        fc.record({
          payment_flow: fc.integer({ min: 0, max: 100 }),
          consumption_stability: fc.integer({ min: 0, max: 100 }),
          social_activity: fc.integer({ min: 0, max: 100 }),
          repayment_history: fc.integer({ min: 0, max: 100 }),
          account_tenure: fc.integer({ min: 0, max: 100 }),
          income_verification: fc.integer({ min: 0, max: 100 }),
        }),
        (scores) => {
          const withSocial = evaluateCredit(base({ scores }));
          const without = evaluateCredit(base({ scores: { ...scores, social_activity: null } }));
          // Leaving social out equals scoring it at the average of the rest (re-normalisation).
          if (
            scores.social_activity <=
            Math.min(
              scores.payment_flow,
              scores.consumption_stability,
              scores.repayment_history,
              scores.account_tenure,
              scores.income_verification,
            )
          ) {
            expect(without.compositeBps).toBeGreaterThanOrEqual(withSocial.compositeBps);
          }
          expect(without.reasons.map((r) => r.code)).toContain('indicator_social_activity_not_used');
          expect(without.contributions.find((c) => c.indicator === 'social_activity')?.pointsBps).toBe(0);
        },
      ),
    );
  });
  it('the line is monotone in every score and always within ¥500–¥200,000 in ¥100 steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 99 }), (s, p) => {
        const lo = evaluateCredit(base({ scores: { ...all(s), payment_flow: p } }));
        const hi = evaluateCredit(base({ scores: { ...all(s), payment_flow: p + 1 } }));
        expect(hi.baseLimitFen).toBeGreaterThanOrEqual(lo.baseLimitFen);
        for (const e of [lo, hi]) {
          if (e.status === 'declined') continue;
          expect(e.baseLimitFen % 10_000n).toBe(0n);
          expect(e.baseLimitFen >= CREDIT_LINE_MIN_FEN && e.baseLimitFen <= CREDIT_LINE_MAX_FEN).toBe(true);
        }
      }),
    );
  });
  it('rejects out-of-range scores as programmer errors', () => {
    expect(() => evaluateCredit(base({ scores: { ...all(50), account_tenure: 101 } }))).toThrow();
    expect(() =>
      evaluateCredit(
        base({
          scores: {
            payment_flow: null,
            consumption_stability: null,
            social_activity: null,
            repayment_history: null,
            account_tenure: null,
            income_verification: null,
          },
        }),
      ),
    ).toThrow();
    // payment flow switched off: evaluated on the rest, not penalised
    expect(evaluateCredit(base({ scores: { ...all(70), payment_flow: null } })).compositeBps).toBe(7_000);
  });
});

describe('explainCreditChange', () => {
  const at = (s: number, flags: CreditEvaluationInput['highRiskFlags'] = []) =>
    evaluateCredit(base({ scores: all(s), highRiskFlags: flags }));
  it.each([
    { name: 'first decision', prev: null, next: at(70), kind: 'initial' },
    {
      name: 'raised',
      prev: { status: 'approved' as const, baseLimitFen: 5_000_000n },
      next: at(70),
      kind: 'increase',
    },
    {
      name: 'lowered',
      prev: { status: 'approved' as const, baseLimitFen: 15_000_000n },
      next: at(70),
      kind: 'decrease',
    },
    {
      name: 'same',
      prev: { status: 'approved' as const, baseLimitFen: 10_020_000n },
      next: at(70),
      kind: 'unchanged',
    },
    {
      name: 'frozen',
      prev: { status: 'approved' as const, baseLimitFen: 10_020_000n },
      next: at(70, ['fraud_list']),
      kind: 'frozen',
    },
    {
      name: 'unfrozen',
      prev: { status: 'frozen' as const, baseLimitFen: 10_020_000n },
      next: at(70),
      kind: 'unfrozen',
    },
    {
      name: 'declined',
      prev: { status: 'approved' as const, baseLimitFen: 10_020_000n },
      next: at(20),
      kind: 'declined',
    },
  ])('$name → $kind', ({ prev, next, kind }) => {
    const c = explainCreditChange(prev, next);
    expect(c.kind).toBe(kind);
    expect(c.reasons[0]?.code).toBe(`change_${kind}`);
    expect(c.reasons.length).toBeGreaterThan(1);
  });
  it('formats whole yuan with grouping', () => {
    expect(formatYuanWhole(20_000_000n)).toBe('¥200,000');
    expect(formatYuanWhole(50_000n)).toBe('¥500');
  });
});
