/**
 * 交易密码 in the mini-app (headless Chromium, fresh database): a person sets one on the "me"
 * page (a too-simple one is refused with the API's reason), then borrows: the prompt appears in
 * place, a wrong password shows the attempts remaining, the right one books the loan exactly
 * once (the retry reuses the Idempotency-Key). At the checkout, three wrong ones lead to the
 * step-up panel; after it the password is asked again and the order is paid once.
 */
import { QUIZ_QUESTIONS } from '@fenqi/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import {
  apiCall,
  apiSession,
  fill,
  newPhone,
  open,
  type Stack,
  shot,
  skipReason,
  startStack,
} from './harness';

const reason = skipReason();
if (reason) console.warn(`[browser tests] skipped: ${reason}`);

const PASSWORD = '258036';
const WRONG = '741852';

describe.skipIf(Boolean(reason))('payment password in the mini-app', () => {
  let stack: Stack;
  let page: Page;
  let token = '';
  const user = `paypwd-${Date.now().toString(36)}`;

  beforeAll(async () => {
    stack = await startStack();
    ({ page } = await newPhone(stack, user));
    await page.locator('#go-apply').waitFor();
    // Seeded through the API (the quiz and the application have their own UI test).
    token = await apiSession(stack, user);
    await apiCall(stack, token, 'POST', '/v1/education/quiz', {
      answers: QUIZ_QUESTIONS.map((q) => ({ question_id: q.id, option_id: q.correctOptionId })),
    });
    await apiCall(stack, token, 'POST', '/v1/credit/applications', {
      monthly_income: 2_000_000,
      consents: ['privacy_policy', 'credit_assessment', 'identity_verification'],
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  beforeEach((ctx) => {
    onTestFailed(async () => {
      const name = ctx.task.name.replace(/[^\w]+/g, '-').slice(0, 60);
      await shot(page, `failed-paypwd-${name}`).catch(() => undefined);
    });
  });

  const inputValue = (id: string) => page.locator(`#${id} input`).inputValue();

  it('sets a payment password on the me page; a too-simple one is refused; the digits are cleared', async () => {
    await open(page, stack, '/pages/me/index');
    await page.locator('#payment-password-card').waitFor();
    expect(await page.locator('#payment-password-current').count()).toBe(0);
    // Masked: the browser's own password field.
    expect(await page.locator('#payment-password-new input').getAttribute('type')).toBe('password');

    await fill(page, 'payment-password-new', '123456');
    await fill(page, 'payment-password-repeat', '123456');
    await page.locator('#payment-password-save').click();
    await page.locator('[data-code="payment_password_too_simple"]').waitFor();
    expect(await inputValue('payment-password-new')).toBe('');
    expect(await inputValue('payment-password-repeat')).toBe('');

    await fill(page, 'payment-password-new', PASSWORD);
    await fill(page, 'payment-password-repeat', PASSWORD);
    await page.locator('#payment-password-save').click();
    await page.locator('#payment-password-saved').waitFor();
    expect(await inputValue('payment-password-new')).toBe('');
    expect(await inputValue('payment-password-repeat')).toBe('');
    // Now set: changing it needs the current one.
    await page.locator('#payment-password-current').waitFor();
    await shot(page, 'paypwd-01-me-set');
    const me = await apiCall<{ payment_password_set: boolean }>(stack, token, 'GET', '/v1/me');
    expect(me.payment_password_set).toBe(true);
  });

  it('borrows: the prompt appears, a wrong password shows the attempts left, the right one books one loan', async () => {
    await open(page, stack, '/pages/borrow/index');
    await fill(page, 'borrow-amount', '5000');
    await page.locator('#trial').waitFor();
    await page.locator('#agree-contract').click();
    await page.locator('#confirm-borrow').click();
    await page.locator('#payment-password-prompt').waitFor();
    expect(await page.locator('#payment-password-attempts').count()).toBe(0);
    expect(await page.locator('#payment-password-input input').getAttribute('type')).toBe('password');
    await shot(page, 'paypwd-02-borrow-prompt');

    await fill(page, 'payment-password-input', WRONG);
    await page.locator('#payment-password-submit').click();
    await page.locator('#payment-password-attempts', { hasText: '还可以再试 2 次' }).waitFor();
    expect(await inputValue('payment-password-input')).toBe('');
    await shot(page, 'paypwd-03-borrow-wrong');
    const afterWrong = await apiCall<{ data: unknown[] }>(stack, token, 'GET', '/v1/loans');
    expect(afterWrong.data).toHaveLength(0);

    await fill(page, 'payment-password-input', PASSWORD);
    await page.locator('#payment-password-submit').click();
    await page.locator('#disbursed-notice').waitFor();
    await shot(page, 'paypwd-04-borrow-done');
    const loans = await apiCall<{ data: { principal_amount: number }[] }>(stack, token, 'GET', '/v1/loans');
    expect(loans.data.map((l) => l.principal_amount)).toEqual([500_000]);
  });

  it('checkout: three wrong passwords lead to the step-up panel; after it the right one pays once', async () => {
    await open(page, stack, '/pkg-checkout/partner/index');
    await page.locator('#partner-pay-installments').click();
    await page.locator('#checkout-order').waitFor();
    await page.locator('[data-testid="plan-6"]').click();
    await page.locator('#confirm-checkout').click();
    await page.locator('#payment-password-prompt').waitFor();
    for (const left of [2, 1, 0]) {
      await fill(page, 'payment-password-input', WRONG);
      await page.locator('#payment-password-submit').click();
      const text = left > 0 ? `还可以再试 ${left} 次` : '下一次支付需要先通过二次验证';
      await page.locator('#payment-password-attempts', { hasText: text }).waitFor();
    }
    // Locked: even the right password now gets the step-up answer, shown with the usual panel.
    await fill(page, 'payment-password-input', PASSWORD);
    await page.locator('#payment-password-submit').click();
    await page.locator('#step-up').waitFor();
    expect(await page.locator('#payment-password-prompt').count()).toBe(0);
    await expect.poll(() => page.locator('#step-up-otp input').inputValue()).toMatch(/^\d{6}$/);
    await expect.poll(() => page.locator('#step-up-device input').inputValue()).toMatch(/^\d{6}$/);
    await shot(page, 'paypwd-05-checkout-step-up');
    await page.locator('#step-up-verify').click();
    // The same request again: the password is asked for, then the order is paid.
    await page.locator('#payment-password-prompt').waitFor();
    await fill(page, 'payment-password-input', PASSWORD);
    await page.locator('#payment-password-submit').click();
    await page.locator('#checkout-done').waitFor();
    await shot(page, 'paypwd-06-checkout-paid');
    const loans = await apiCall<{ data: { product: string }[] }>(stack, token, 'GET', '/v1/loans');
    expect(loans.data.filter((l) => l.product === 'scene_installment')).toHaveLength(1);
  });
});
