import { describe, expect, it } from 'vitest';
import { ApiError } from '../client';
import { attemptsText, describeError, KNOWN_ERROR_CODES, PAGES, passwordPromptOf } from '../errors';

const business = (code: string) =>
  new ApiError('business_rule', code, 'english server text', 422, undefined, 'req_1');

describe('describeError', () => {
  // One row per business code the borrower can meet: its Chinese message and next step.
  const rows: [code: string, title: string, next: string | undefined][] = [
    ['credit_limit_exceeded', '超出可用额度', PAGES.temporary],
    ['cooling_off_active', '冷静期内', PAGES.bills],
    ['education_required', '请先完成风险教育', PAGES.education],
    ['health_score_too_low', '借贷健康度低于 60', PAGES.health],
    ['step_up_required', '需要二次验证', 'step_up'],
    ['amount_out_of_range', '金额不在范围内', undefined],
    ['term_out_of_range', '期限不在范围内', undefined],
    ['idempotency_key_reused', '请求内容已变化', 'retry'],
    ['credit_line_frozen', '额度已冻结', PAGES.home],
    ['consumer_cap_exceeded', '超过个人借款上限', PAGES.bills],
  ];
  it.each(rows)('%s → %s', (code, title, next) => {
    const view = describeError(business(code));
    expect(view.code).toBe(code);
    expect(view.title).toBe(title);
    expect(view.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(view.message).not.toContain('english server text');
    expect(view.requestId).toBe('req_1');
    const actual =
      view.next.kind === 'navigate' ? view.next.url : view.next.kind === 'none' ? undefined : view.next.kind;
    expect(actual).toBe(next);
  });

  it('has a Chinese title and message for every known code', () => {
    for (const code of KNOWN_ERROR_CODES) {
      const view = describeError(business(code));
      expect(view.title, code).toMatch(/[\u4e00-\u9fa5]/);
      expect(view.message, code).toMatch(/[\u4e00-\u9fa5]/);
    }
  });

  it('falls back to the error type for an unknown code', () => {
    expect(describeError(new ApiError('not_found', 'loan_not_found', 'x', 404)).title).toBe('没有找到');
    expect(describeError(new ApiError('api_error', 'internal', 'x', 500)).next.kind).toBe('retry');
    expect(describeError(new ApiError('business_rule', 'brand_new_rule', 'x', 422)).title).toBe('暂不能办理');
  });

  it('names the offending field of a validation error in Chinese', () => {
    const view = describeError(new ApiError('invalid_request', 'invalid_type', 'x', 400, 'principal_amount'));
    expect(view.message).toBe('请检查“借款金额”。');
  });

  it('turns a network failure and a non-API error into something readable', () => {
    expect(describeError(new ApiError('network', 'network_error', 'timeout', 0)).title).toBe('网络不通');
    expect(describeError(new TypeError('x is undefined')).title).toBe('出错了');
  });
});

describe('passwordPromptOf', () => {
  const passwordError = (code: string, details: Record<string, unknown> = {}) =>
    new ApiError('business_rule', code, 'english', 422, 'payment_password', undefined, details);

  it('asks for the password when it is missing, with no attempts count', () => {
    expect(passwordPromptOf(passwordError('payment_password_required'))).toEqual({});
  });

  it('shows the attempts remaining after a wrong one, in the prompt and in the message', () => {
    const wrong = passwordError('payment_password_incorrect', { attempts_remaining: 2 });
    expect(passwordPromptOf(wrong)).toEqual({ attemptsRemaining: 2 });
    expect(describeError(wrong).message).toContain('还可以再试 2 次');
    expect(attemptsText(0)).toContain('二次验证');
  });

  it('is null for every other refusal (step-up keeps its own panel)', () => {
    expect(passwordPromptOf(passwordError('step_up_required'))).toBeNull();
    expect(passwordPromptOf(passwordError('credit_limit_exceeded'))).toBeNull();
    expect(passwordPromptOf(new Error('x'))).toBeNull();
  });

  it('has a Chinese message for a password the API finds too simple', () => {
    expect(describeError(passwordError('payment_password_too_simple')).title).toBe('交易密码过于简单');
  });
});
