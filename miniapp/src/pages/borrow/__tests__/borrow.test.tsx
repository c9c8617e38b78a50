import Taro from '@tarojs/taro';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, type Mock } from 'vitest';
import { resetStorage } from '../../../../test-support/taro';
import Borrow from '../index';

type Req = { url: string; method: string; header: Record<string, string>; data?: string };
const request = Taro.request as unknown as Mock<(options: Req) => Promise<unknown>>;
const ok = (data: unknown, statusCode = 200) => ({ statusCode, data, header: {} });

const line = {
  base_limit_amount: 4_000_000,
  temporary_limit_amount: 0,
  temporary_expires_at: null,
  used_amount: 0,
  held_amount: 0,
  available_amount: 4_000_000,
  frozen: false,
  currency: 'CNY',
};
const loan = {
  id: 'loan_1',
  status: 'active',
  principal_amount: 500_000,
  currency: 'CNY',
  method: 'equal_installment',
  apr: '0.150595',
  monthly_rate: '0.01255',
  daily_rate: '0.000413',
  total_interest_amount: 41_720,
  total_fee_amount: 0,
  total_amount: 541_720,
  installments: [],
};

/** A fake server: GETs answer at once; POST /v1/loans answers with `loanReplies` in order. */
function serve(loanReplies: (() => Promise<unknown>)[]) {
  request.mockImplementation(async (options: Req) => {
    const path = options.url.split('?')[0];
    if (path === '/v1/auth/session')
      return ok({ token: 't', expires_at: '2999-01-01T00:00:00Z', user: { id: 'usr_1' } });
    if (path === '/v1/products')
      return ok({ data: [{ code: 'cash_loan' }], disclosure: { institution: '示范消费金融' } });
    if (path === '/v1/credit/line') return ok(line);
    if (path === '/v1/me') return ok({ id: 'usr_1', tier: 'new', credit_score: 680 });
    if (path === '/v1/loans' && options.method === 'POST') {
      const next = loanReplies.shift();
      if (!next) throw new Error('unexpected POST /v1/loans');
      return next();
    }
    throw new Error(`unexpected ${options.method} ${options.url}`);
  });
}

const loanPosts = () =>
  request.mock.calls.map(([o]) => o).filter((o) => o.url === '/v1/loans' && o.method === 'POST');

beforeEach(() => {
  request.mockReset();
  resetStorage();
});

async function fillAndAgree() {
  render(<Borrow />);
  await screen.findByText('试算结果');
  fireEvent.input(screen.getByLabelText('借款金额'), { target: { value: '5000' } });
  fireEvent.click(document.getElementById('agree-contract')!);
}

describe('borrow page', () => {
  it('shows the live trial with the APR first and sends one borrow however often confirm is tapped', async () => {
    let release: (v: unknown) => void = () => undefined;
    serve([
      () =>
        new Promise((done) => {
          release = done;
        }),
    ]);
    await fillAndAgree();
    expect(document.getElementById('apr-value')?.textContent).toMatch(/^\d+\.\d{2}%$/);
    expect(document.getElementById('trial-total')?.textContent).toMatch(/^¥5,\d{3}\.\d{2}$/);
    const confirm = screen.getByText(/确认借款/);
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    await waitFor(() => expect(loanPosts()).toHaveLength(1));
    await act(async () => release(ok(loan, 201)));
    await screen.findByText('借款成功');
    expect(loanPosts()).toHaveLength(1);
    expect(JSON.parse(loanPosts()[0]!.data!)).toEqual({
      product: 'cash_loan',
      principal_amount: 500_000,
      term_months: 12,
      method: 'equal_installment',
    });
  });

  it('reuses the Idempotency-Key when the person retries after the service failed', async () => {
    const down = async () =>
      ok({ error: { type: 'api_error', code: 'database_unavailable', message: 'x' } }, 503);
    serve([down, down, down, async () => ok(loan, 201)]);
    await fillAndAgree();
    fireEvent.click(screen.getByText(/确认借款/));
    await screen.findByText('服务暂时不可用', undefined, { timeout: 5_000 });
    fireEvent.click(screen.getByText(/确认借款/));
    await screen.findByText('借款成功');
    const keys = new Set(loanPosts().map((o) => o.header['idempotency-key']));
    expect(loanPosts()).toHaveLength(4);
    expect(keys.size).toBe(1);
  });

  it('explains a refusal in Chinese with its next step', async () => {
    serve([
      async () =>
        ok(
          { error: { type: 'business_rule', code: 'education_required', message: 'Pass the quiz first.' } },
          422,
        ),
    ]);
    await fillAndAgree();
    fireEvent.click(screen.getByText(/确认借款/));
    await screen.findByText('请先完成风险教育');
    expect(screen.getByText('去学习')).toBeTruthy();
    expect(screen.queryByText('Pass the quiz first.')).toBeNull();
  });
});
