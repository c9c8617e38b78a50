import { describe, expect, it } from 'vitest';
import {
  type ContractTerms,
  canonicalJson,
  chainLinkPayload,
  contractDocument,
  percentText,
  renderContractText,
} from '../contract';

const terms: ContractTerms = {
  contractId: 'ctr_1',
  loanId: 'loan_1',
  userId: 'usr_1',
  virtualIdNumber: '000000195001010009',
  product: 'cash_loan',
  method: 'equal_installment',
  termText: '3 months',
  principalFen: 300_000n,
  apr: '0.1825',
  monthlyRate: '0.015208',
  dailyRate: '0.0005',
  nominalAnnualRate: '0.18',
  totalInterestFen: 9_042n,
  totalFeeFen: 0n,
  totalFen: 309_042n,
  penaltyDailyRate: '0.0005',
  startDate: '2026-11-28',
  installments: [
    {
      number: 1,
      dueDate: '2026-12-28',
      principalFen: 98_507n,
      interestFen: 4_500n,
      feeFen: 0n,
      amountFen: 103_007n,
    },
    {
      number: 2,
      dueDate: '2027-01-28',
      principalFen: 99_985n,
      interestFen: 3_022n,
      feeFen: 0n,
      amountFen: 103_007n,
    },
    {
      number: 3,
      dueDate: '2027-02-28',
      principalFen: 101_508n,
      interestFen: 1_520n,
      feeFen: 0n,
      amountFen: 103_028n,
    },
  ],
  coolingOffEndsAt: null,
  lender: {
    name: 'Demo Licensed Microlender Co., Ltd.',
    licenceNumber: 'DEMO-0001',
    complaintChannel: '400-000-0000',
  },
  confirmationMethod: 'in_app_confirmation',
  signedAt: '2026-11-28T04:00:00.000Z',
};

describe('renderContractText', () => {
  const text = renderContractText(terms);
  it.each([
    ['principal', '¥3,000.00'],
    ['APR', '18.25%'],
    ['monthly rate', '1.5208%'],
    ['daily rate', '0.05%'],
    ['total', '¥3,090.42'],
    ['every installment', '#3 due 2027-02-28: ¥1,030.28'],
    ['no prepayment penalty', 'no penalty'],
    ['licence', 'licence DEMO-0001'],
    ['complaint channel', 'complaints: 400-000-0000'],
    ['the signature', 'in_app_confirmation) at 2026-11-28T04:00:00.000Z'],
  ])('states the %s', (_what, needle) => {
    expect(text).toContain(needle);
  });
  it('states the cooling-off window when there is one', () => {
    expect(renderContractText({ ...terms, coolingOffEndsAt: '2026-11-29T04:00:00.000Z' })).toContain(
      'paid out after 2026-11-29T04:00:00.000Z',
    );
  });
});

describe('percentText', () => {
  it.each([
    ['0.1825', '18.25%'],
    ['0.0005', '0.05%'],
    ['0.015208', '1.5208%'],
    ['0', '0%'],
    ['1', '100%'],
  ])('%s → %s', (r, p) => expect(percentText(r)).toBe(p));
});

describe('canonical document', () => {
  it('is independent of key order and holds fen as strings', () => {
    const doc = contractDocument(terms);
    const shuffled = Object.fromEntries(Object.entries(doc).reverse());
    expect(canonicalJson(shuffled)).toBe(canonicalJson(doc));
    expect(doc.principal_fen).toBe('300000');
    expect(JSON.parse(canonicalJson(doc))).toEqual(doc);
  });
  it('any change of a term changes the canonical form', () => {
    expect(canonicalJson(contractDocument({ ...terms, principalFen: 300_001n }))).not.toBe(
      canonicalJson(contractDocument(terms)),
    );
  });
  it('refuses bigint and undefined-only values as programmer errors', () => {
    expect(() => canonicalJson({ a: 1n })).toThrow();
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
  it('chain payload binds seq, previous hash and content', () => {
    expect(chainLinkPayload(1, 'a', 'b')).not.toBe(chainLinkPayload(2, 'a', 'b'));
    expect(() => chainLinkPayload(0, 'a', 'b')).toThrow();
  });
});
