import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { PaymentPasswordPrompt, sixDigits } from '../index';

const field = (container: HTMLElement) =>
  container.querySelector<HTMLInputElement>('#payment-password-input')!;
const confirmButton = () => screen.getByRole('button', { name: '确认' });

describe('PaymentPasswordPrompt', () => {
  it('keeps six digits only', () => {
    expect(sixDigits('12a3 4-5678')).toBe('123456');
  });

  it('sends the six digits once, then clears the field', async () => {
    const onSubmit = vi.fn(async (_password: string) => undefined);
    const { container } = render(<PaymentPasswordPrompt onSubmit={onSubmit} onCancel={() => undefined} />);
    fireEvent.input(field(container), { target: { value: '25803' } });
    fireEvent.click(confirmButton());
    expect(onSubmit).not.toHaveBeenCalled();
    fireEvent.input(field(container), { target: { value: '258036' } });
    await act(async () => {
      fireEvent.click(confirmButton());
    });
    expect(onSubmit).toHaveBeenCalledExactlyOnceWith('258036');
    expect(field(container).value).toBe('');
  });

  it('shows the attempts remaining after a wrong password', () => {
    render(
      <PaymentPasswordPrompt
        attemptsRemaining={1}
        onSubmit={async () => undefined}
        onCancel={() => undefined}
      />,
    );
    expect(screen.getByText(/还可以再试 1 次/)).toBeTruthy();
  });
});
