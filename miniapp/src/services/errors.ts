/**
 * What a person reads when something fails: a Chinese message per stable error code and,
 * for business refusals, the next step (a page to open or an action on the same page).
 */
import { ApiError } from './client';

export type NextStep =
  | { kind: 'navigate'; label: string; url: string }
  | { kind: 'retry'; label: string }
  | { kind: 'step_up'; label: string }
  | { kind: 'none' };

export interface ErrorView {
  code: string;
  title: string;
  message: string;
  next: NextStep;
  /** The request id to quote to customer service, when the server sent one. */
  requestId?: string;
}

export const PAGES = {
  home: '/pages/index/index',
  borrow: '/pages/borrow/index',
  bills: '/pages/bills/index',
  me: '/pages/me/index',
  repay: '/pkg-loan/repay/index',
  apply: '/pkg-credit/apply/index',
  temporary: '/pkg-credit/temporary/index',
  education: '/pkg-care/education/index',
  health: '/pkg-care/health/index',
  authorizations: '/pkg-care/authorizations/index',
  checkout: '/pkg-checkout/checkout/index',
  partner: '/pkg-checkout/partner/index',
} as const;

const RETRY: NextStep = { kind: 'retry', label: '重试' };
const NONE: NextStep = { kind: 'none' };

const BY_CODE: Record<string, Omit<ErrorView, 'code' | 'requestId'>> = {
  credit_limit_exceeded: {
    title: '超出可用额度',
    message: '这笔金额超过了您当前的可用额度。请减少金额，或申请临时额度。',
    next: { kind: 'navigate', label: '申请临时额度', url: PAGES.temporary },
  },
  cooling_off_active: {
    title: '冷静期内',
    message: '这笔借款还在 24 小时冷静期内，款项到账前您可以免费取消。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  education_required: {
    title: '请先完成风险教育',
    message: '首次借款前，需要观看风险教育视频并通过 10 道题的小测验。',
    next: { kind: 'navigate', label: '去学习', url: PAGES.education },
  },
  health_score_too_low: {
    title: '借贷健康度低于 60',
    message: '为保护您的财务健康，健康度低于 60 分时暂不能借款。可以先看看理财规划课程。',
    next: { kind: 'navigate', label: '查看健康度与课程', url: PAGES.health },
  },
  step_up_required: {
    title: '需要二次验证',
    message: '为了您的资金安全，这笔操作需要再验证一次身份。',
    next: { kind: 'step_up', label: '去验证' },
  },
  payment_password_required: {
    title: '请输入交易密码',
    message: '为了您的资金安全，请输入 6 位交易密码。',
    next: NONE,
  },
  payment_password_incorrect: {
    title: '交易密码不正确',
    message: '交易密码不正确，请重新输入。',
    next: NONE,
  },
  payment_password_too_simple: {
    title: '交易密码过于简单',
    message: '不能使用 6 位相同数字或 123456、654321 这样的连续数字，请换一个。',
    next: NONE,
  },
  amount_out_of_range: {
    title: '金额不在范围内',
    message: '请输入该产品允许范围内的金额。',
    next: NONE,
  },
  term_out_of_range: {
    title: '期限不在范围内',
    message: '请选择该产品支持的期限。',
    next: NONE,
  },
  idempotency_key_reused: {
    title: '请求内容已变化',
    message: '刚才的请求和这次内容不同，请重新确认后再提交。',
    next: RETRY,
  },
  credit_line_frozen: {
    title: '额度已冻结',
    message: '出于风险控制，您的额度暂时冻结，暂不能借款。如有疑问请联系客服。',
    next: { kind: 'navigate', label: '回到首页', url: PAGES.home },
  },
  credit_line_missing: {
    title: '还没有额度',
    message: '请先申请授信额度，再借款。',
    next: { kind: 'navigate', label: '申请额度', url: PAGES.apply },
  },
  no_credit_line: {
    title: '还没有额度',
    message: '请先申请授信额度，再借款。',
    next: { kind: 'navigate', label: '申请额度', url: PAGES.apply },
  },
  cooling_off_expired: {
    title: '冷静期已结束',
    message: '冷静期已过，款项已发放，不能再取消。您可以随时提前还款，不收违约金。',
    next: { kind: 'navigate', label: '去还款', url: PAGES.bills },
  },
  grace_unavailable: {
    title: '无法使用宽限期',
    message: '每年最多使用 2 次宽限期，每次最长 3 天。当前没有可以申请宽限的账单。',
    next: NONE,
  },
  grace_limit_reached: {
    title: '宽限期次数已用完',
    message: '今年的 2 次宽限期已用完。',
    next: NONE,
  },
  loan_not_repayable: {
    title: '这笔借款不需要还款',
    message: '借款已结清或已取消。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  amount_exceeds_outstanding: {
    title: '还款金额过大',
    message: '还款金额超过了当前应还总额，请改为“全部结清”。',
    next: NONE,
  },
  checkout_expired: {
    title: '订单已过期',
    message: '这笔分期订单已超过有效期，请回到商家重新下单。',
    next: NONE,
  },
  checkout_not_open: {
    title: '订单不可支付',
    message: '这笔订单已支付、已取消或已过期。',
    next: NONE,
  },
  temporary_increase_not_allowed: {
    title: '暂不能申请临时额度',
    message: '临时额度最多为基础额度的 50%，有效 30 天，只能续期一次，并需要还款能力证明。',
    next: NONE,
  },
  proof_required: {
    title: '需要还款能力证明',
    message: '请上传工资流水或资产证明后再申请。',
    next: NONE,
  },
  application_declined: {
    title: '授信未通过',
    message: '这次申请没有通过，原因见下方说明。',
    next: NONE,
  },
  consumer_cap_exceeded: {
    title: '超过个人借款上限',
    message: '个人消费贷款余额合计不能超过 20 万元。请减少金额，或先还清部分借款。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  cooling_off_required: {
    title: '这笔借款有 24 小时冷静期',
    message:
      '借款超过月收入的 60%（或月收入低于 5,000 元且借款超过 3,000 元），款项将在 24 小时后到账，期间可免费取消。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  method_not_allowed: {
    title: '还款方式不支持',
    message: '该产品不支持这种还款方式，请换一种。',
    next: NONE,
  },
  fee_option_not_allowed: {
    title: '分期服务费选项不可用',
    message: '这个分期服务费选项不适用于所选期数。',
    next: NONE,
  },
  temporary_increase_too_large: {
    title: '临时额度过高',
    message: '临时额度最多为基础额度的 50%。',
    next: NONE,
  },
  temporary_increase_renewal_exhausted: {
    title: '不能再续期',
    message: '临时额度只能续期一次。',
    next: NONE,
  },
  temporary_increase_not_active: {
    title: '没有生效中的临时额度',
    message: '当前没有可以续期的临时额度。',
    next: NONE,
  },
  grace_not_applicable: {
    title: '无法使用宽限期',
    message: '当前没有可以申请宽限的账单（每次最长 3 天，每年 2 次）。',
    next: NONE,
  },
  payment_amount_invalid: {
    title: '还款金额不正确',
    message: '请输入大于 0 且不超过应还总额的金额。',
    next: NONE,
  },
  loan_not_active: {
    title: '这笔借款不能操作',
    message: '借款已结清、已取消或尚在冷静期。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  quiz_answers_incomplete: {
    title: '还有题目没答',
    message: '请回答全部 10 道题后再提交。',
    next: NONE,
  },
  credit_score_too_low: {
    title: '授信未通过',
    message: '综合评估暂未达到授信条件，3 个月后可再次申请。',
    next: NONE,
  },
  income_insufficient: {
    title: '收入不足',
    message: '申报的月收入不足以支持授信。',
    next: NONE,
  },
  high_risk: {
    title: '暂不能办理',
    message: '出于风险控制，这笔业务暂不能办理。如有疑问请联系客服。',
    next: NONE,
  },
  step_up_code_invalid: {
    title: '验证码不正确',
    message: '验证码错误，请核对后重新输入。',
    next: NONE,
  },
  step_up_device_unknown: {
    title: '设备无法确认',
    message: '请在您以前登录过的设备上确认。',
    next: NONE,
  },
  account_frozen: {
    title: '账户已冻结',
    message: '检测到异常操作，账户已临时冻结以保护资金安全。请联系客服解冻。',
    next: NONE,
  },
  risk_declined: {
    title: '暂不能办理',
    message: '出于风险控制，这笔业务暂不能办理。如有疑问请联系客服。',
    next: NONE,
  },
  credit_line_not_found: {
    title: '还没有额度',
    message: '请先申请授信额度，再借款。',
    next: { kind: 'navigate', label: '申请额度', url: PAGES.apply },
  },
  credit_line_required: {
    title: '还没有额度',
    message: '请先申请授信额度，再借款。',
    next: { kind: 'navigate', label: '申请额度', url: PAGES.apply },
  },
  credit_line_exists: {
    title: '已经有额度了',
    message: '您已获得授信额度，可以直接借款。',
    next: { kind: 'navigate', label: '去借款', url: PAGES.borrow },
  },
  consent_required: {
    title: '需要您的授权',
    message: '请阅读并同意《个人信息处理规则》和《授信协议》后再提交。',
    next: NONE,
  },
  loan_not_cancelable: {
    title: '无法取消',
    message: '只有冷静期内、款项发放前的借款可以免费取消。您可以随时提前还款，不收违约金。',
    next: { kind: 'navigate', label: '查看账单', url: PAGES.bills },
  },
  nothing_due: {
    title: '没有需要还的账单',
    message: '当前没有到期或待还的款项。',
    next: NONE,
  },
  quote_invalid: {
    title: '试算已失效',
    message: '价格已更新，请重新确认借款信息。',
    next: RETRY,
  },
  quote_expired: {
    title: '试算已过期',
    message: '试算结果超过 30 分钟已失效，请重新确认借款信息。',
    next: RETRY,
  },
  checkout_already_confirmed: {
    title: '订单已支付',
    message: '这笔订单已经完成分期支付，请勿重复付款。',
    next: NONE,
  },
  checkout_canceled: {
    title: '订单已取消',
    message: '商家已取消这笔订单，没有产生任何费用。',
    next: NONE,
  },
  rate_limited: {
    title: '操作太频繁',
    message: '请稍等片刻再试。',
    next: RETRY,
  },
  network_error: {
    title: '网络不通',
    message: '网络连接失败，请检查网络后重试。已提交的操作不会重复扣款。',
    next: RETRY,
  },
};

const BY_KIND: Record<string, Omit<ErrorView, 'code' | 'requestId'>> = {
  invalid_request: { title: '信息有误', message: '请检查填写的内容。', next: NONE },
  authentication: { title: '请重新登录', message: '登录已过期，请重新进入。', next: RETRY },
  permission: { title: '没有权限', message: '您没有权限进行这个操作。', next: NONE },
  not_found: { title: '没有找到', message: '要查看的内容不存在或已失效。', next: NONE },
  idempotency: { title: '请求处理中', message: '上一笔请求还在处理，请稍后刷新查看结果。', next: RETRY },
  business_rule: { title: '暂不能办理', message: '这笔业务暂时不能办理。', next: NONE },
  rate_limit: { title: '操作太频繁', message: '请稍等片刻再试。', next: RETRY },
  api_error: {
    title: '服务暂时不可用',
    message: '服务开小差了，请稍后重试。已提交的操作不会重复扣款。',
    next: RETRY,
  },
  network: { title: '网络不通', message: '网络连接失败，请检查网络后重试。', next: RETRY },
};

const PARAM_LABELS: Record<string, string> = {
  principal_amount: '借款金额',
  amount: '金额',
  monthly_income: '月收入',
  term_months: '期限',
  term_days: '期限',
  method: '还款方式',
  product: '产品',
  installments: '分期期数',
};

/** Maps any thrown value to the view a page shows. Unknown codes fall back to the type. */
export function describeError(error: unknown): ErrorView {
  if (!(error instanceof ApiError)) {
    return { code: 'client_error', title: '出错了', message: '页面出错了，请返回重试。', next: RETRY };
  }
  const known = BY_CODE[error.code] ?? BY_KIND[error.kind] ?? BY_KIND.api_error!;
  let message = known.message;
  if (!BY_CODE[error.code] && error.kind === 'invalid_request' && error.param) {
    message = `请检查“${PARAM_LABELS[error.param] ?? error.param}”。`;
  }
  const attempts = attemptsRemainingOf(error);
  if (error.code === 'payment_password_incorrect' && attempts !== undefined) {
    message = attemptsText(attempts);
  }
  return { code: error.code, ...known, message, ...(error.requestId ? { requestId: error.requestId } : {}) };
}

function attemptsRemainingOf(error: ApiError): number | undefined {
  const n = error.details.attempts_remaining;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** What a wrong 交易密码 leaves: after 3 wrong in a row the next payment needs a step-up. */
export function attemptsText(attemptsRemaining: number): string {
  return attemptsRemaining > 0
    ? `交易密码不正确，还可以再试 ${attemptsRemaining} 次，之后需要二次验证。`
    : '交易密码不正确，下一次支付需要先通过二次验证。';
}

/** The API asks for the 交易密码 (missing or wrong): what the in-place prompt shows. */
export interface PasswordPrompt {
  /** Set after a wrong password. */
  attemptsRemaining?: number;
}

/**
 * A borrow or checkout confirm refused for its 交易密码: the prompt to show, else null. The
 * request is then sent again with the same Idempotency-Key and `payment_password`.
 */
export function passwordPromptOf(error: unknown): PasswordPrompt | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'payment_password_required') return {};
  if (error.code !== 'payment_password_incorrect') return null;
  const attempts = attemptsRemainingOf(error);
  return attempts === undefined ? {} : { attemptsRemaining: attempts };
}

/** The codes that have their own message (exported for tests and documentation). */
export const KNOWN_ERROR_CODES = Object.keys(BY_CODE);
