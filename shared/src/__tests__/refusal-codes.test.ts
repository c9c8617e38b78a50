import { describe, expect, it } from 'vitest';
import {
  applyPayment,
  applyRefund,
  assessBorrowing,
  buildSchedule,
  checkCoolingOffOver,
  checkInstantDisbursement,
  dec,
  decideCredit,
  drawLine,
  freezeLine,
  gradeQuiz,
  grantTemporaryIncrease,
  newCreditLine,
  openLoan,
  payoffQuote,
  type QuoteInput,
  quote,
  REFUSAL_CODES,
  type RefusalCode,
  renewTemporaryIncrease,
  requestGrace,
} from '../index';

const baseQuote: QuoteInput = {
  product: 'cash_loan',
  principalFen: 1_000_000n,
  termMonths: 12,
  method: 'equal_installment',
  startDate: '2026-03-01',
  tier: 'regular',
  creditScore: 650,
};
const loan = () =>
  openLoan(
    buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-15',
    }),
  );
const line = newCreditLine(1_000_000n);
const proof = { kind: 'payslip_flow' as const, reference: 'doc_1' };
const codeOf = (r: { ok: boolean; code?: string }): string | undefined => (r.ok ? undefined : r.code);

/** One row per refusal code: the smallest input that provokes it. */
const rows: Record<RefusalCode, () => string | undefined> = {
  credit_limit_exceeded: () => codeOf(drawLine(line, 1_000_001n, '2026-03-01')),
  credit_line_frozen: () => codeOf(drawLine(freezeLine(line), 100n, '2026-03-01')),
  consumer_cap_exceeded: () => codeOf(quote({ ...baseQuote, existingConsumerPrincipalFen: 19_500_000n })),
  health_score_too_low: () =>
    codeOf(
      assessBorrowing({
        educationPassed: true,
        healthScore: 59,
        principalFen: 100_000n,
        monthlyIncomeFen: 1_000_000n,
      }),
    ),
  cooling_off_required: () =>
    codeOf(checkInstantDisbursement({ principalFen: 600_001n, monthlyIncomeFen: 1_000_000n })),
  cooling_off_active: () => codeOf(checkCoolingOffOver({ requestedAtMs: 0, nowMs: 24 * 3_600_000 - 1 })),
  education_required: () =>
    codeOf(
      assessBorrowing({
        educationPassed: false,
        healthScore: 90,
        principalFen: 100_000n,
        monthlyIncomeFen: 1_000_000n,
      }),
    ),
  amount_out_of_range: () => codeOf(quote({ ...baseQuote, principalFen: 49_999n })),
  term_out_of_range: () => codeOf(quote({ ...baseQuote, termMonths: 37 })),
  method_not_allowed: () =>
    codeOf(quote({ ...baseQuote, product: 'education_installment', method: 'interest_first' })),
  fee_option_not_allowed: () => codeOf(quote({ ...baseQuote, termMonths: 5, withServiceFee: true })),
  scene_category_unknown: () =>
    codeOf(quote({ ...baseQuote, product: 'scene_installment', termMonths: 6, sceneCategory: 'casino' })),
  proof_required: () =>
    codeOf(grantTemporaryIncrease(line, { amountFen: 100_000n, proof: null, asOf: '2026-03-01' })),
  temporary_increase_too_large: () =>
    codeOf(grantTemporaryIncrease(line, { amountFen: 500_001n, proof, asOf: '2026-03-01' })),
  temporary_increase_renewal_exhausted: () => {
    const g = grantTemporaryIncrease(line, { amountFen: 500_000n, proof, asOf: '2026-03-01' });
    if (!g.ok) return g.code;
    const r1 = renewTemporaryIncrease(g.value, { proof, asOf: '2026-03-20' });
    if (!r1.ok) return r1.code;
    return codeOf(renewTemporaryIncrease(r1.value, { proof, asOf: '2026-03-25' }));
  },
  temporary_increase_not_active: () => codeOf(renewTemporaryIncrease(line, { proof, asOf: '2026-03-01' })),
  grace_limit_reached: () => {
    let l = loan();
    for (const [grant, pay] of [
      ['2026-02-10', '2026-02-15'],
      ['2026-03-10', '2026-03-15'],
    ] as const) {
      const g = requestGrace(l, { asOf: grant });
      if (!g.ok) return g.code;
      const p = applyPayment(g.value, { amountFen: 106_619n, asOf: pay });
      if (!p.ok) return p.code;
      l = p.value.loan;
    }
    return codeOf(requestGrace(l, { asOf: '2026-04-10' }));
  },
  grace_not_applicable: () => codeOf(requestGrace(loan(), { asOf: '2026-02-16' })),
  payment_amount_invalid: () => codeOf(applyPayment(loan(), { amountFen: 0n, asOf: '2026-02-01' })),
  loan_not_active: () => {
    const l = loan();
    const p = applyPayment(l, { amountFen: payoffQuote(l, '2026-02-01').amountFen, asOf: '2026-02-01' });
    return p.ok ? codeOf(applyPayment(p.value.loan, { amountFen: 100n, asOf: '2026-02-02' })) : p.code;
  },
  refund_amount_invalid: () => codeOf(applyRefund(loan(), { amountFen: -1n, asOf: '2026-02-01' })),
  quiz_answers_incomplete: () => codeOf(gradeQuiz([{ questionId: 'q1', optionId: 'b' }])),
  credit_score_too_low: () => {
    const d = decideCredit({
      monthlyIncomeFen: 1_000_000n,
      creditScore: 549,
      isNewUser: true,
      healthScore: 90,
      highRisk: false,
    });
    return d.status === 'declined' ? d.declineCode : undefined;
  },
  income_insufficient: () => {
    const d = decideCredit({
      monthlyIncomeFen: 99_999n,
      creditScore: 700,
      isNewUser: true,
      healthScore: 90,
      highRisk: false,
    });
    return d.status === 'declined' ? d.declineCode : undefined;
  },
  high_risk: () => {
    const d = decideCredit({
      monthlyIncomeFen: 1_000_000n,
      creditScore: 800,
      isNewUser: false,
      healthScore: 90,
      highRisk: true,
    });
    return d.status === 'declined' ? d.declineCode : undefined;
  },
};

describe('every refusal code has a row that provokes it', () => {
  it('the table covers REFUSAL_CODES exactly', () => {
    expect(Object.keys(rows).sort()).toEqual([...REFUSAL_CODES].sort());
  });
  for (const code of REFUSAL_CODES) {
    it(`${code}`, () => {
      expect(rows[code]()).toBe(code);
    });
  }
  it('refusals carry the offending wire param where there is one', () => {
    expect(quote({ ...baseQuote, principalFen: 49_999n })).toMatchObject({
      ok: false,
      param: 'principal_amount',
    });
    expect(quote({ ...baseQuote, termMonths: 37 })).toMatchObject({ ok: false, param: 'term_months' });
    expect(quote({ ...baseQuote, termMonths: undefined, termDays: 6 })).toMatchObject({
      ok: false,
      code: 'term_out_of_range',
      param: 'term_days',
    });
    expect(quote({ ...baseQuote, method: 'single_payment' })).toMatchObject({
      ok: false,
      code: 'method_not_allowed',
      param: 'method',
    });
  });
});
