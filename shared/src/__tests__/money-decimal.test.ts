import { allocate, CNY, dinero, toSnapshot } from 'dinero.js/bigint';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateFen,
  annualToDaily,
  annualToMonthly,
  dailyToAnnual,
  dailyToMonthly,
  dec,
  decAdd,
  decCmp,
  decDiv,
  decMul,
  decSub,
  decToString,
  divRound,
  fen,
  fenToJson,
  formatFen,
  formatFenWan,
  formatFenZh,
  mulFenByRate,
  parseYuan,
  type Rounding,
  rateToPercent,
  rateToWire,
  splitEvenlyFen,
  tryDec,
} from '../index';

describe('money formatting', () => {
  it.each([
    [0n, '¥0.00', '0.00元', '0.00元'],
    [5n, '¥0.05', '0.05元', '0.05元'],
    [123_456n, '¥1,234.56', '1,234.56元', '1,234.56元'],
    [999_999n, '¥9,999.99', '9,999.99元', '9,999.99元'],
    [1_000_000n, '¥10,000.00', '10,000.00元', '1万'],
    [1_234_567n, '¥12,345.67', '12,345.67元', '1.23万'],
    [1_239_999n, '¥12,399.99', '12,399.99元', '1.23万'],
    [20_000_000n, '¥200,000.00', '200,000.00元', '20万'],
    [12_345_678_900n, '¥123,456,789.00', '123,456,789.00元', '12,345.67万'],
    [-123_456n, '-¥1,234.56', '-1,234.56元', '-1,234.56元'],
  ])('%s fen → %s / %s / %s', (amount, yen, zh, wan) => {
    expect(formatFen(amount)).toBe(yen);
    expect(formatFenZh(amount)).toBe(zh);
    expect(formatFenWan(amount)).toBe(wan);
  });

  it('parseYuan accepts at most two decimals; fen() and fenToJson() refuse unsafe numbers', () => {
    expect(parseYuan('1234.5')).toBe(123_450n);
    expect(parseYuan('0.07')).toBe(7n);
    expect(parseYuan('12')).toBe(1_200n);
    expect(parseYuan('1.234')).toBeNull();
    expect(parseYuan('1e3')).toBeNull();
    expect(() => fen(1.5)).toThrow();
    expect(() => fenToJson(2n ** 53n)).toThrow();
    expect(fenToJson(-5n)).toBe(-5);
  });

  it('mulFenByRate rounds half-up once: 946.19 × 0.05 % = 0.473 → 47 fen; 1,000.00 × 0.0005 = 50 fen', () => {
    expect(mulFenByRate(94_619n, dec('0.0005'))).toBe(47n);
    expect(mulFenByRate(100_000n, dec('0.0005'))).toBe(50n);
    expect(mulFenByRate(1n, dec('0.5'))).toBe(1n);
    expect(mulFenByRate(1n, dec('0.49'))).toBe(0n);
  });
});

describe('allocation', () => {
  it('¥10,000.00 over 12 equal parts: 833.34 × 4 and 833.33 × 8 (dinero.js rule)', () => {
    expect(allocateFen(1_000_000n, Array(12).fill(1))).toEqual([
      ...Array(4).fill(83_334n),
      ...Array(8).fill(83_333n),
    ]);
    expect(splitEvenlyFen(1_000_000n, 12)).toEqual(allocateFen(1_000_000n, Array(12).fill(1)));
  });

  it('allocations always sum to the whole and follow the ratios within a fen', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }),
        (total, ratios) => {
          fc.pre(ratios.some((r) => r > 0));
          const parts = allocateFen(total, ratios);
          expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
          const sum = BigInt(ratios.reduce((a, b) => a + b, 0));
          parts.forEach((p, i) => {
            const exact = (total * BigInt(ratios[i] ?? 0)) / sum;
            expect(p - exact >= 0n && p - exact <= 1n).toBe(true);
          });
        },
      ),
    );
  });

  it('splitEvenlyFen equals dinero.js allocate with equal ratios', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 1, max: 40 }), (total, n) => {
        const viaDinero = allocate(dinero({ amount: total, currency: CNY }), Array(n).fill(1n)).map(
          (d) => toSnapshot(d).amount,
        );
        expect(splitEvenlyFen(total, n)).toEqual(viaDinero);
      }),
    );
  });
});

describe('decimal', () => {
  it.each([
    [7n, 2n, 'half_up', 4n],
    [5n, 2n, 'half_up', 3n],
    [-5n, 2n, 'half_up', -3n],
    [5n, 2n, 'half_even', 2n],
    [7n, 2n, 'half_even', 4n],
    [5n, 2n, 'down', 2n],
    [5n, 2n, 'up', 3n],
    [-5n, 2n, 'floor', -3n],
    [-5n, 2n, 'ceil', -2n],
    [1n, 3n, 'half_up', 0n],
  ] as const)('divRound(%s, %s, %s) = %s', (n, d, mode, q) => {
    expect(divRound(n, d, mode as Rounding)).toBe(q);
  });

  it('parses and prints plain decimals exactly', () => {
    expect(decToString(dec('0.18250'))).toBe('0.1825');
    expect(decToString(dec('-3'))).toBe('-3');
    expect(decToString(dec('0.000001'))).toBe('0.000001');
    expect(decToString(dec('12.5'), { places: 2, fixed: true })).toBe('12.50');
    expect(tryDec('1e-3')).toBeNull();
    expect(tryDec('.5')).toBeNull();
    expect(decToString(decMul(dec('0.0005'), dec('365')))).toBe('0.1825');
    expect(decToString(decDiv(dec('1'), dec('3'), 6))).toBe('0.333333');
  });

  it('add and subtract are exact inverses; comparison agrees with the sign of the difference', () => {
    const decArb = fc
      .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
      .map(([units, scale]) => ({ units, scale }));
    fc.assert(
      fc.property(decArb, decArb, (a, b) => {
        expect(decCmp(decSub(decAdd(a, b), b), a)).toBe(0);
        const diff = decSub(a, b);
        expect(decCmp(a, b)).toBe(diff.units > 0n ? 1 : diff.units < 0n ? -1 : 0);
        expect(decCmp(dec(decToString(a)), a)).toBe(0);
      }),
    );
  });
});

describe('rate conventions', () => {
  it('monthly = daily × 30, annual = daily × 365, monthly = annual / 12; wire strings per unit', () => {
    expect(decToString(dailyToMonthly(dec('0.0005')))).toBe('0.015');
    expect(decToString(dailyToAnnual(dec('0.0005')))).toBe('0.1825');
    expect(rateToWire(annualToMonthly(dec('0.1825')))).toBe('0.015208');
    expect(rateToWire(annualToDaily(dec('0.1825')))).toBe('0.0005');
    expect(rateToWire(dec('0.13034249'))).toBe('0.130342');
    expect(rateToWire(dec('0.0000005'))).toBe('0.000001');
    expect(rateToWire(dec('0'))).toBe('0');
    expect(rateToPercent(dec('0.1825'))).toBe('18.25%');
    expect(rateToPercent(dec('0.130342'), 2)).toBe('13.03%');
    expect(rateToPercent(dec('1'), 1)).toBe('100.0%');
  });
});
