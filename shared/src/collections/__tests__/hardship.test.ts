import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../decimal';
import { buildSchedule } from '../../schedule';
import { type ExtensionRowIn, planExtension } from '../hardship';

function rowsFrom(
  principalFen: bigint,
  months: number,
  paidCount: number,
  partialPrincipalFen: bigint,
  penaltyFen: bigint,
): ExtensionRowIn[] {
  const s = buildSchedule({
    principalFen,
    method: 'equal_installment',
    annualRate: dec('0.18'),
    term: { months },
    startDate: '2026-01-15',
  });
  return s.installments.map((i, k) => {
    const paid = k < paidCount;
    const partial =
      k === paidCount
        ? partialPrincipalFen < i.principalFen
          ? partialPrincipalFen
          : i.principalFen - 1n
        : 0n;
    return {
      number: i.number,
      dueDate: i.dueDate,
      status: paid ? 'paid' : k === paidCount ? 'overdue' : 'pending',
      principalFen: i.principalFen,
      interestFen: i.interestFen,
      feeFen: i.feeFen,
      penaltyFen: k === paidCount ? penaltyFen : 0n,
      paidPrincipalFen: paid ? i.principalFen : partial,
      paidInterestFen: paid ? i.interestFen : 0n,
      paidFeeFen: paid ? i.feeFen : 0n,
      paidPenaltyFen: 0n,
      waivedInterestFen: 0n,
      waivedFeeFen: 0n,
    };
  });
}

describe('planExtension', () => {
  it('keeps the principal owed and the loan principal, waives penalty, defers interest', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 50_000n, max: 20_000_000n }),
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 0, max: 1 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 50_000n }),
        fc.constantFrom(3, 6, 12),
        (principalFen, months, paidCount, partial, penalty, ext) => {
          const rows = rowsFrom(principalFen, months, paidCount, partial, penalty);
          const r = planExtension({
            rows,
            method: 'equal_installment',
            annualRate: dec('0.18'),
            months: ext,
            startDate: '2026-06-01',
          });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const p = r.value;
          const owedBefore = rows.reduce((s, x) => s + x.principalFen - x.paidPrincipalFen, 0n);
          const closedNumbers = new Set(p.closed.map((c) => c.number));
          const kept = rows.filter((x) => !closedNumbers.has(x.number));
          const principalAfter =
            kept.reduce((s, x) => s + x.principalFen, 0n) +
            p.closed.reduce((s, c) => s + c.principalFen, 0n) +
            p.added.reduce((s, a) => s + a.principalFen, 0n);
          expect(principalAfter).toBe(principalFen); // Σ installment principal = loan principal
          expect(p.added.reduce((s, a) => s + a.principalFen, 0n)).toBe(owedBefore); // owed unchanged
          expect(p.waivedPenaltyFen).toBe(penalty);
          expect(p.closed.every((c) => c.penaltyFen === 0n)).toBe(true);
          const interestOwedBefore = rows
            .filter((x) => x.status !== 'paid')
            .reduce((s, x) => s + x.interestFen - x.paidInterestFen, 0n);
          expect(p.carriedInterestFen).toBe(interestOwedBefore);
          expect(p.added.reduce((s, a) => s + a.interestFen, 0n)).toBe(
            p.carriedInterestFen + p.newInterestFen,
          );
          expect(p.added[0]?.number).toBe(rows.length + 1);
          expect(p.added.every((a) => a.dueDate > '2026-06-01')).toBe(true);
          for (const c of p.closed)
            expect(c.status).toBe(
              rows.find((x) => x.number === c.number)?.paidPrincipalFen ? 'paid' : 'canceled',
            );
        },
      ),
    );
  });
  it.each([
    { name: 'months not offered', months: 5, method: 'equal_installment', code: 'extension_months_invalid' },
    { name: 'a day loan', months: 3, method: 'daily', code: 'extension_not_available' },
  ] as const)('refuses: $name', ({ months, method, code }) => {
    expect(
      planExtension({
        rows: rowsFrom(100_000n, 3, 0, 0n, 0n),
        method,
        annualRate: dec('0.18'),
        months,
        startDate: '2026-06-01',
      }),
    ).toEqual({ ok: false, code });
  });
  it('refuses a fully paid loan', () => {
    expect(
      planExtension({
        rows: rowsFrom(100_000n, 3, 3, 0n, 0n),
        method: 'equal_installment',
        annualRate: dec('0.18'),
        months: 3,
        startDate: '2026-06-01',
      }),
    ).toEqual({ ok: false, code: 'nothing_to_extend' });
  });
});
