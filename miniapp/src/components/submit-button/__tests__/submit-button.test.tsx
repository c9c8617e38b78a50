import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { SubmitButton } from '../index';

describe('SubmitButton', () => {
  it('submits once however often it is tapped while the first submission is pending', async () => {
    let finish: () => void = () => undefined;
    const onSubmit = vi.fn(
      () =>
        new Promise<void>((done) => {
          finish = done;
        }),
    );
    render(<SubmitButton onSubmit={onSubmit}>确认借款</SubmitButton>);
    const button = screen.getByRole('button');
    fireEvent.click(button);
    fireEvent.click(button);
    fireEvent.click(button);
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button').textContent).toBe('处理中…');
    await act(async () => finish());
    expect(screen.getByRole('button').textContent).toBe('确认借款');
    fireEvent.click(screen.getByRole('button'));
    expect(onSubmit).toHaveBeenCalledTimes(2);
  });

  it('can submit again after a failed submission', async () => {
    const onSubmit = vi.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValueOnce(undefined);
    render(<SubmitButton onSubmit={() => onSubmit().catch(() => undefined)}>提交</SubmitButton>);
    await act(async () => {
      fireEvent.click(screen.getByRole('button'));
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button'));
    });
    expect(onSubmit).toHaveBeenCalledTimes(2);
  });

  it('does nothing while disabled', () => {
    const onSubmit = vi.fn();
    render(
      <SubmitButton onSubmit={onSubmit} disabled>
        提交
      </SubmitButton>,
    );
    fireEvent.click(screen.getByRole('button'));
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
