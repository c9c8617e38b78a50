import { describe, expect, it } from 'vitest';
import {
  assessBorrowing,
  availableFen,
  captureHold,
  coolingOff,
  DATA_AUTHORIZATIONS,
  decideCredit,
  drawLine,
  gradeQuiz,
  grantTemporaryIncrease,
  healthBand,
  healthScore,
  holdLine,
  newCreditLine,
  publicQuiz,
  QUIZ_QUESTIONS,
  releaseHold,
  renewTemporaryIncrease,
  restorePrincipal,
  summarizeLine,
} from '../index';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; code: string }): T {
  if (!r.ok) throw new Error(r.code);
  return r.value;
}

describe('credit line', () => {
  it('¥10,000 line: draw 6,000, hold 3,000 → available 1,000; repaid 2,000 comes back on T+1, not T', () => {
    let l = newCreditLine(1_000_000n);
    l = unwrap(drawLine(l, 600_000n, '2026-03-01'));
    l = unwrap(holdLine(l, 300_000n, '2026-03-01'));
    expect(availableFen(l, '2026-03-01')).toBe(100_000n);
    l = restorePrincipal(l, 200_000n, '2026-03-05');
    expect(availableFen(l, '2026-03-05')).toBe(100_000n);
    expect(availableFen(l, '2026-03-06')).toBe(300_000n);
    expect(summarizeLine(l, '2026-03-06').usedFen).toBe(400_000n);
  });

  it('capture turns held into used (partial capture releases the rest); release frees a hold', () => {
    let l = unwrap(holdLine(newCreditLine(1_000_000n), 300_000n, '2026-03-01'));
    l = captureHold(l, 300_000n, 250_000n);
    expect([l.heldFen, l.usedFen]).toEqual([0n, 250_000n]);
    l = unwrap(holdLine(l, 100_000n, '2026-03-01'));
    l = releaseHold(l, 100_000n);
    expect(availableFen(l, '2026-03-01')).toBe(750_000n);
  });

  it('temporary increase: ≤ 50 % of base, counts for 30 days, renew once for 30 more', () => {
    const base = newCreditLine(1_000_000n);
    const t = unwrap(
      grantTemporaryIncrease(base, {
        amountFen: 500_000n,
        proof: { kind: 'asset_proof', reference: 'a1' },
        asOf: '2026-11-01',
      }),
    );
    expect(t.temporaryExpiresOn).toBe('2026-12-01');
    expect(availableFen(t, '2026-11-30')).toBe(1_500_000n);
    expect(availableFen(t, '2026-12-01')).toBe(1_000_000n);
    const r = unwrap(
      renewTemporaryIncrease(t, { proof: { kind: 'payslip_flow', reference: 'p1' }, asOf: '2026-11-25' }),
    );
    expect(r.temporaryExpiresOn).toBe('2026-12-31');
    expect(availableFen(r, '2026-12-30')).toBe(1_500_000n);
  });

  it('a frozen line has nothing available', () => {
    expect(summarizeLine({ ...newCreditLine(1_000_000n), frozen: true }, '2026-03-01')).toMatchObject({
      availableFen: 0n,
      frozen: true,
    });
  });
});

describe('suitability', () => {
  it.each([
    [{ income: 1_000_000n, debt: 100_000n, lenders: 0, late: 0, overdue: false, noHistory: false }, 100],
    [
      { income: 1_000_000n, debt: 450_000n, lenders: 1, late: 0, overdue: false, noHistory: false },
      25 + 16 + 30,
    ],
    [
      { income: 1_000_000n, debt: 700_000n, lenders: 5, late: 0, overdue: false, noHistory: true },
      0 + 0 + 20,
    ],
    [{ income: 0n, debt: 10_000n, lenders: 0, late: 0, overdue: false, noHistory: true }, 0 + 20 + 20],
    [{ income: 800_000n, debt: 240_000n, lenders: 2, late: 1, overdue: true, noHistory: false }, 40 + 12 + 5],
  ])('health score %o = %i', (x, expected) => {
    expect(
      healthScore({
        monthlyIncomeFen: x.income,
        monthlyDebtPaymentFen: x.debt,
        otherLendersCount: x.lenders,
        lateInstallments12m: x.late,
        currentlyOverdue: x.overdue,
        noHistory: x.noHistory,
      }),
    ).toBe(expected);
  });

  it('health bands: 80+ safe, 60–79 caution, < 60 blocked', () => {
    expect([healthBand(80), healthBand(79), healthBand(60), healthBand(59)]).toEqual([
      'safe',
      'caution',
      'caution',
      'blocked',
    ]);
  });

  it.each([
    [600_000n, 1_000_000n, false],
    [600_001n, 1_000_000n, true],
    [290_000n, 499_999n, false],
    [300_001n, 499_999n, true],
    [300_001n, 800_000n, false],
  ])('cooling-off for loan %s fen on income %s fen: %s', (principalFen, monthlyIncomeFen, required) => {
    expect(coolingOff({ principalFen, monthlyIncomeFen }).required).toBe(required);
  });

  it('assessBorrowing passes with the cooling-off verdict when educated and healthy', () => {
    const r = unwrap(
      assessBorrowing({
        educationPassed: true,
        healthScore: 75,
        principalFen: 700_000n,
        monthlyIncomeFen: 1_000_000n,
      }),
    );
    expect(r.coolingOff).toEqual({ required: true, hours: 24, reason: 'loan_over_60_percent_of_income' });
    expect(r.healthBand).toBe('caution');
  });

  it('credit decision: line = income × tier multiple, rounded down to ¥100, clamped to ¥500–¥200,000', () => {
    const a = decideCredit({
      monthlyIncomeFen: 1_234_567n,
      creditScore: 800,
      isNewUser: false,
      healthScore: 85,
      highRisk: false,
    });
    expect(a).toMatchObject({ status: 'approved', tier: 'premium', baseLimitFen: 7_400_000n });
    const b = decideCredit({
      monthlyIncomeFen: 100_000n,
      creditScore: 600,
      isNewUser: true,
      healthScore: 85,
      highRisk: false,
    });
    expect(b).toMatchObject({ status: 'approved', tier: 'new', baseLimitFen: 200_000n });
    const c = decideCredit({
      monthlyIncomeFen: 10_000_000n,
      creditScore: 900,
      isNewUser: false,
      healthScore: 85,
      highRisk: false,
    });
    expect(c).toMatchObject({ baseLimitFen: 20_000_000n });
    expect(
      decideCredit({
        monthlyIncomeFen: 1_000_000n,
        creditScore: 700,
        isNewUser: false,
        healthScore: 59,
        highRisk: false,
      }),
    ).toMatchObject({ status: 'declined', declineCode: 'health_score_too_low' });
  });
});

describe('education quiz and data authorisations', () => {
  const right = QUIZ_QUESTIONS.map((q) => ({ questionId: q.id, optionId: q.correctOptionId }));
  const wrong = (n: number) =>
    right.map((a, i) => (i < n ? { ...a, optionId: a.optionId === 'a' ? 'b' : 'a' } : a));

  it('10 questions, each with 4 options and a correct option among them; public view hides answers', () => {
    expect(QUIZ_QUESTIONS).toHaveLength(10);
    for (const q of QUIZ_QUESTIONS) {
      expect(q.options).toHaveLength(4);
      expect(q.options.some((o) => o.id === q.correctOptionId)).toBe(true);
    }
    expect(JSON.stringify(publicQuiz())).not.toContain('correctOptionId');
  });

  it.each([
    [0, true, 10],
    [2, true, 8],
    [3, false, 7],
  ])('%i wrong answers → passed %s, score %i, with explanations', (n, passed, score) => {
    const r = unwrap(gradeQuiz(wrong(n)));
    expect([r.passed, r.score]).toEqual([passed, score]);
    expect(r.results.filter((x) => !x.correct)).toHaveLength(n);
    expect(r.results.every((x) => x.explanation.length > 0)).toBe(true);
  });

  it('22 switchable authorisations with unique keys and stated purposes', () => {
    expect(DATA_AUTHORIZATIONS).toHaveLength(22);
    expect(new Set(DATA_AUTHORIZATIONS.map((a) => a.key)).size).toBe(22);
    expect(DATA_AUTHORIZATIONS.every((a) => a.purposeZh && a.purpose && a.nameZh)).toBe(true);
  });
});
