import { quote, toWireQuote } from '@fenqi/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCosts, money, parseAmountText, percent, productRules, rates, trialQuote } from '../index';

describe('parseAmountText', () => {
  it.each([
    ['5000', 500_000],
    ['5000.5', 500_050],
    ['0.01', 1],
    ['', null],
    ['abc', null],
    ['1.234', null],
    ['-5', null],
  ])('%s → %s fen', (text, fen) => {
    expect(parseAmountText(text)).toBe(fen);
  });
});

describe('display formatting', () => {
  it('formats fen and rates through the shared package', () => {
    expect(money(123_456)).toBe('¥1,234.56');
    expect(percent('0.1825')).toBe('18.25%');
    expect(percent('nonsense')).toBe('—');
    expect(rates({ apr: '0.150595', monthly_rate: '0.01255', daily_rate: '0.000413' })).toEqual({
      apr: '15.06%',
      monthlyRate: '1.26%',
      dailyRate: '0.0413%',
    });
  });
});

describe('compareCosts', () => {
  it('names the cheapest choice and what each other one costs more', () => {
    const cmp = compareCosts([
      { key: 'm12', totalAmount: 541_720 },
      { key: 'm3', totalAmount: 509_830 },
      { key: 'm6', totalAmount: 522_180 },
    ]);
    expect(cmp.cheapestKey).toBe('m3');
    expect(cmp.extraByKey).toEqual({ m12: '¥318.90', m3: '¥0.00', m6: '¥123.50' });
  });

  it('never shows a negative extra cost and gives the cheapest ¥0.00', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 1, maxLength: 12 }),
        (totals) => {
          const cmp = compareCosts(totals.map((t, i) => ({ key: String(i), totalAmount: t })));
          const min = Math.min(...totals);
          expect(totals[Number(cmp.cheapestKey)]).toBe(min);
          expect(cmp.extraByKey[cmp.cheapestKey!]).toBe('¥0.00');
          for (const text of Object.values(cmp.extraByKey)) expect(text.startsWith('¥')).toBe(true);
        },
      ),
    );
  });
});

describe('trialQuote', () => {
  const input = {
    product: 'cash_loan' as const,
    principalAmount: 500_000,
    term: 'm12',
    method: 'equal_installment' as const,
    tier: 'new' as const,
    creditScore: 680,
    startDate: '2026-11-28',
  };

  it('is the shared quote in the wire shape of POST /v1/quotes', () => {
    const result = trialQuote(input);
    const shared = quote({
      product: 'cash_loan',
      principalFen: 500_000n,
      termMonths: 12,
      method: 'equal_installment',
      startDate: '2026-11-28',
      tier: 'new',
      creditScore: 680,
    });
    if (!result.ok || !shared.ok) throw new Error('expected both quotes to succeed');
    expect(result.quote).toEqual(toWireQuote(shared.value.schedule, shared.value.disclosure));
    expect(result.quote.installments).toHaveLength(12);
  });

  it('returns the refusal code for an amount outside the product', () => {
    expect(trialQuote({ ...input, principalAmount: 100 })).toEqual({
      ok: false,
      code: 'amount_out_of_range',
      param: 'principal_amount',
    });
  });

  it('offers only terms and methods the product allows', () => {
    const emergency = productRules('emergency_loan');
    expect(emergency.terms).toEqual(['d7', 'd14', 'd30']);
    expect(emergency.methodsFor('d30')).toEqual(['single_payment']);
    expect(productRules('education_installment').terms).toEqual(['m12']);
  });
});
