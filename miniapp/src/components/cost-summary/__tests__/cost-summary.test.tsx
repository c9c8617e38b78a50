import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { CostSummary } from '../index';

const rows = () =>
  [...screen.getByTestId('cost-summary').querySelectorAll('.kv')].map((kv) => [
    kv.querySelector('.kv__label')?.textContent,
    kv.querySelector('.kv__value')?.textContent,
    kv.querySelector('.kv__value--strong') !== null,
  ]);

describe('CostSummary', () => {
  it('combined: the lead row, interest / fee on one row, the total to repay in bold', () => {
    render(
      <CostSummary
        lead={{ label: '借款金额', value: '¥3,700.00' }}
        totalInterest="¥240.12"
        totalFee="¥0.00"
        totalAmount="¥3,940.12"
      />,
    );
    expect(rows()).toEqual([
      ['借款金额', '¥3,700.00', false],
      ['总利息 / 总费用', '¥240.12 / ¥0.00', false],
      ['应还总额', '¥3,940.12', true],
    ]);
  });

  it('split: interest and fee on their own rows, with the ids the trial anchors on', () => {
    render(
      <CostSummary
        layout="split"
        totalInterest="¥12.00"
        totalFee="¥3.00"
        totalAmount="¥1,015.00"
        interestId="x-interest"
        totalId="x-total"
      />,
    );
    expect(rows()).toEqual([
      ['总利息', '¥12.00', false],
      ['总费用', '¥3.00', false],
      ['应还总额', '¥1,015.00', true],
    ]);
    expect(document.getElementById('x-interest')?.textContent).toBe('¥12.00');
    expect(document.getElementById('x-total')?.textContent).toBe('¥1,015.00');
  });

  it('emphasis on the lead: what each installment costs in bold, not the total', () => {
    render(
      <CostSummary
        lead={{ label: '每期应还', value: '¥338.33' }}
        emphasis="lead"
        totalInterest="¥15.00"
        totalFee="¥0.00"
        totalAmount="¥1,015.00"
      />,
    );
    expect(rows().map((r) => r[2])).toEqual([true, false, false]);
  });
});
