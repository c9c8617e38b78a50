import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { BorrowForm, type BorrowFormValue } from '../index';

const products = [
  { value: 'cash_loan', label: '随借随还' },
  { value: 'emergency_loan', label: '应急借', hint: '免息 30 天' },
  { value: 'business_turnover', label: '周转金', disabled: true },
];
const terms = [
  { value: 'm3', label: '3个月' },
  { value: 'm12', label: '12个月' },
];
const methods = [
  { value: 'equal_installment', label: '等额本息' },
  { value: 'interest_first', label: '先息后本' },
];
const value: BorrowFormValue = {
  product: 'cash_loan',
  amountText: '5000',
  term: 'm12',
  method: 'equal_installment',
};

function setup(overrides: Partial<Parameters<typeof BorrowForm>[0]> = {}) {
  const onChange = vi.fn();
  render(
    <BorrowForm
      value={value}
      products={products}
      terms={terms}
      methods={methods}
      onChange={onChange}
      {...overrides}
    />,
  );
  return { onChange };
}

describe('BorrowForm', () => {
  it('reports a typed amount with up to two decimals as text, never as a float', () => {
    const { onChange } = setup();
    fireEvent.input(screen.getByLabelText('借款金额'), { target: { value: '12345.67' } });
    expect(onChange).toHaveBeenCalledWith({ ...value, amountText: '12345.67' });
  });

  it('ignores input that is not an amount (three decimals, letters, minus sign)', () => {
    const { onChange } = setup();
    for (const bad of ['1.234', '12a', '-5']) {
      fireEvent.input(screen.getByLabelText('借款金额'), { target: { value: bad } });
    }
    expect(onChange).not.toHaveBeenCalled();
  });

  it('selects a term and a method, keeping the other fields', () => {
    const { onChange } = setup();
    fireEvent.click(screen.getByTestId('term-m3'));
    expect(onChange).toHaveBeenLastCalledWith({ ...value, term: 'm3' });
    fireEvent.click(screen.getByTestId('method-interest_first'));
    expect(onChange).toHaveBeenLastCalledWith({ ...value, method: 'interest_first' });
  });

  it('does not select a disabled product or the one already selected', () => {
    const { onChange } = setup();
    fireEvent.click(screen.getByTestId('product-business_turnover'));
    fireEvent.click(screen.getByTestId('product-cash_loan'));
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('product-emergency_loan'));
    expect(onChange).toHaveBeenCalledWith({ ...value, product: 'emergency_loan' });
  });

  it('marks the selected choices and shows the hint, or the error instead of it', () => {
    const { rerender } = render(
      <BorrowForm
        value={value}
        products={products}
        terms={terms}
        methods={methods}
        amountHint="可借 500.00元 – 50,000.00元"
      />,
    );
    expect(screen.getByTestId('term-m12').getAttribute('aria-checked')).toBe('true');
    expect(screen.getByTestId('term-m3').getAttribute('aria-checked')).toBe('false');
    expect(screen.getByText('可借 500.00元 – 50,000.00元')).toBeTruthy();
    rerender(
      <BorrowForm
        value={value}
        products={products}
        terms={terms}
        methods={methods}
        amountHint="可借 500.00元 – 50,000.00元"
        amountError="最多可借 50,000.00元"
      />,
    );
    expect(screen.getByTestId('amount-error').textContent).toBe('最多可借 50,000.00元');
    expect(screen.queryByText('可借 500.00元 – 50,000.00元')).toBeNull();
  });

  it('changes nothing while disabled', () => {
    const { onChange } = setup({ disabled: true });
    fireEvent.click(screen.getByTestId('term-m3'));
    expect(onChange).not.toHaveBeenCalled();
  });
});
