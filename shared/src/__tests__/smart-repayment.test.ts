import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, buildSchedule, dec, type Loan, openLoan, suggestSmartRepayment } from '../index';

const loan12 = (): Loan =>
  openLoan(
    buildSchedule({
      principalFen: 1_200_000n,
      method: 'equal_installment',
      annualRate: dec('0.12'),
      term: { months: 12 },
      startDate: '2026-01-15',
    }),
  );

describe('smart repayment', () => {
  it('idle ¥7,000 on the first due date (¥1,000 reserve): pay the 1,066.19 bill plus 4,933.81, saving the interest computed by the engine', () => {
    const [s] = suggestSmartRepayment({ loan: loan12(), asOf: '2026-02-15', idleBalanceFen: 700_000n });
    expect(s).toMatchObject({ kind: 'prepay', amountFen: 600_000n, paysOff: false });
    // remaining interest if only the bill is paid: 674.23; after prepaying, installments 2–12 are
    // re-amortized on 6,120.00 (level 590.30) with 373.29 interest (computed independently): saving 300.94
    expect(s).toMatchObject({ interestSavedFen: 30_094n });
  });

  it('idle balance within the reserve suggests nothing; a payday of the 10th suggests deducting the bill on Feb 10', () => {
    expect(suggestSmartRepayment({ loan: loan12(), asOf: '2026-01-20', idleBalanceFen: 150_000n })).toEqual(
      [],
    );
    expect(
      suggestSmartRepayment({ loan: loan12(), asOf: '2026-01-20', idleBalanceFen: 0n, paydayOfMonth: 10 }),
    ).toEqual([{ kind: 'payday_deduction', deductOn: '2026-02-10', amountFen: 106_619n }]);
    // payday after the due day: the previous month's payday
    expect(
      suggestSmartRepayment({ loan: loan12(), asOf: '2026-01-16', idleBalanceFen: 0n, paydayOfMonth: 25 }),
    ).toEqual([{ kind: 'payday_deduction', deductOn: '2026-01-25', amountFen: 106_619n }]);
  });

  it('large idle balance: pay off (interest only to today); savings are never negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 360 }), fc.bigInt({ min: 0n, max: 3_000_000n }), (d, idle) => {
        const s = suggestSmartRepayment({
          loan: loan12(),
          asOf: addDays('2026-01-15', d),
          idleBalanceFen: idle,
        });
        for (const x of s) if (x.kind === 'prepay') expect(x.interestSavedFen >= 0n).toBe(true);
      }),
      { numRuns: 100 },
    );
    const [p] = suggestSmartRepayment({ loan: loan12(), asOf: '2026-02-01', idleBalanceFen: 5_000_000n });
    expect(p).toMatchObject({ kind: 'prepay', paysOff: true, amountFen: 1_206_581n });
  });
});
