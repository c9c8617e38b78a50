import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  idCardCheckChar,
  isAcceptableRealBankCardNumber,
  isAcceptableRealIdCardNumber,
  isLuhnValid,
  isValidIdCardNumber,
  isVirtualBankCardNumber,
  isVirtualIdCardNumber,
  VIRTUAL_BANK_CARD_CAPACITY,
  VIRTUAL_ID_CAPACITY,
  virtualBankCardNumber,
  virtualIdCardNumber,
} from '../digital-mask';

describe('GB 11643 check digit', () => {
  it.each([
    // the standard's own worked example and well-known published specimens
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
  ])('%s → %s', (first17, check) => {
    expect(idCardCheckChar(first17)).toBe(check);
  });
  it('rejects an impossible birth date and a wrong check char', () => {
    expect(isValidIdCardNumber('110105194902301234')).toBe(false);
    expect(isValidIdCardNumber('110105194912310021')).toBe(false);
    expect(isValidIdCardNumber('11010519491231002X')).toBe(true);
  });
});

describe('virtual ID-card numbers', () => {
  it('are 18 characters, format-valid, in the 00 range and never acceptable as real', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: VIRTUAL_ID_CAPACITY - 1 }), (serial) => {
        const v = virtualIdCardNumber(serial);
        expect(v).toHaveLength(18);
        expect(isValidIdCardNumber(v)).toBe(true);
        expect(isVirtualIdCardNumber(v)).toBe(true);
        expect(isAcceptableRealIdCardNumber(v)).toBe(false);
      }),
    );
  });
  it('distinct serials give distinct numbers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: VIRTUAL_ID_CAPACITY - 1 }),
        fc.integer({ min: 0, max: VIRTUAL_ID_CAPACITY - 1 }),
        (a, b) => {
          fc.pre(a !== b);
          expect(virtualIdCardNumber(a)).not.toBe(virtualIdCardNumber(b));
        },
      ),
    );
  });
  it('the edges of the range', () => {
    expect(virtualIdCardNumber(0).slice(0, 14)).toBe('00000019500101');
    expect(isValidIdCardNumber(virtualIdCardNumber(VIRTUAL_ID_CAPACITY - 1))).toBe(true);
    expect(() => virtualIdCardNumber(VIRTUAL_ID_CAPACITY)).toThrow();
    expect(() => virtualIdCardNumber(-1)).toThrow();
  });
  it('a real number is never virtual', () => {
    expect(isVirtualIdCardNumber('11010519491231002X')).toBe(false);
    expect(isAcceptableRealIdCardNumber('11010519491231002X')).toBe(true);
  });
});

describe('virtual bank-card numbers', () => {
  it('are 19 digits, Luhn-valid, reserved BIN, never acceptable as real', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: VIRTUAL_BANK_CARD_CAPACITY - 1 }), (serial) => {
        const v = virtualBankCardNumber(serial);
        expect(v).toMatch(/^099\d{16}$/);
        expect(isLuhnValid(v)).toBe(true);
        expect(isVirtualBankCardNumber(v)).toBe(true);
        expect(isAcceptableRealBankCardNumber(v)).toBe(false);
      }),
    );
  });
  it('Luhn: known-good test card and one-digit corruption', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isAcceptableRealBankCardNumber('6222020200112233445')).toBe(isLuhnValid('6222020200112233445'));
  });
});
