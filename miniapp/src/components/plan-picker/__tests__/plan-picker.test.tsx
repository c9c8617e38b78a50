import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { type PlanOption, PlanPicker } from '../index';

function plan(installments: number, extra: Partial<PlanOption> = {}): PlanOption {
  return {
    key: String(installments),
    title: `${installments} 期`,
    perInstallment: `每期 ¥${installments}00.00`,
    apr: '9.60%',
    monthlyRate: '0.80%',
    dailyRate: '0.0263%',
    totalAmount: '¥1,000.00',
    totalInterest: '¥10.00',
    totalFee: '¥0.00',
    ...extra,
  };
}

const options = [
  plan(3, { cheapest: true }),
  plan(6, { extraCost: '+¥12.34' }),
  plan(12, { extraCost: '+¥40.00', disabled: true }),
];

describe('PlanPicker', () => {
  it('shows every plan with its APR, rates, totals and the cost against the cheapest', () => {
    render(<PlanPicker options={options} value="3" />);
    const six = screen.getByTestId('plan-6');
    expect(six.textContent).toContain('年化 9.60%');
    expect(six.textContent).toContain('月 0.80%');
    expect(six.textContent).toContain('日 0.0263%');
    expect(six.textContent).toContain('共还 ¥1,000.00');
    expect(six.textContent).toContain('比最低多付 +¥12.34');
    expect(screen.getByTestId('plan-3').textContent).toContain('总成本最低');
  });

  it('marks the selected plan and reports a new choice', () => {
    const onChange = vi.fn();
    render(<PlanPicker options={options} value="3" onChange={onChange} />);
    expect(screen.getByTestId('plan-3').getAttribute('aria-checked')).toBe('true');
    fireEvent.click(screen.getByTestId('plan-6'));
    expect(onChange).toHaveBeenCalledExactlyOnceWith('6');
  });

  it('ignores taps on the selected, a disabled plan, or any plan while disabled', () => {
    const onChange = vi.fn();
    const { rerender } = render(<PlanPicker options={options} value="3" onChange={onChange} />);
    fireEvent.click(screen.getByTestId('plan-3'));
    fireEvent.click(screen.getByTestId('plan-12'));
    rerender(<PlanPicker options={options} value="3" onChange={onChange} disabled />);
    fireEvent.click(screen.getByTestId('plan-6'));
    expect(onChange).not.toHaveBeenCalled();
  });

  it('says so when there is no plan', () => {
    render(<PlanPicker options={[]} />);
    expect(screen.getByText('暂无可选方案')).toBeTruthy();
  });
});
