import { Text, View } from '@tarojs/components';
import { useMemo, useState } from 'react';
import { BorrowForm, type BorrowFormValue, type ChoiceOption } from '../../components/borrow-form';
import { CostSummary } from '../../components/cost-summary';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { PaymentPasswordPrompt } from '../../components/payment-password';
import { type PlanOption, PlanPicker } from '../../components/plan-picker';
import { RateDisclosure } from '../../components/rate-disclosure';
import { ScheduleList } from '../../components/schedule-list';
import { StateView } from '../../components/state-view';
import { StepUpPanel } from '../../components/step-up-panel';
import { SubmitButton } from '../../components/submit-button';
import {
  compareCosts,
  exceeds,
  METHOD_NAMES,
  money,
  PRODUCT_NAMES,
  parseAmountText,
  productRules,
  rates,
  type Tier,
  termLabel,
  termToWire,
  todayBusinessDate,
  trialQuote,
} from '../../domain';
import { beijingTime } from '../../domain/time';
import {
  errorActionHandler,
  go,
  loadProducts,
  useDisclosure,
  usePaymentPasswordGate,
  useResource,
} from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type {
  CreditLine,
  Loan,
  Me,
  ProductCode,
  ProductsResponse,
  Quote,
  RepaymentMethod,
} from '../../services/types';
import './index.scss';

const BORROWABLE: ProductCode[] = [
  'cash_loan',
  'emergency_loan',
  'education_installment',
  'business_turnover',
];
const TIERS: Tier[] = ['premium', 'regular', 'new'];

interface BorrowData {
  products: ProductsResponse;
  line: CreditLine | null;
  me: Me;
}

/** The pricing inputs of the shared quote function, as the server reports them for this user. */
function pricingOf(data: BorrowData): { tier: Tier; creditScore: number } | null {
  const sources = [data.products as Record<string, unknown>, data.me as Record<string, unknown>];
  for (const source of sources) {
    const pricing = (source.pricing ?? source.credit ?? source) as Record<string, unknown>;
    const tier = pricing.tier;
    const score = pricing.credit_score ?? pricing.score;
    if (typeof tier === 'string' && TIERS.includes(tier as Tier) && typeof score === 'number') {
      return { tier: tier as Tier, creditScore: score };
    }
  }
  return null;
}

function rowsOf(q: Quote) {
  return q.installments.map((i) => ({
    number: i.number,
    dueDate: i.due_date,
    amount: money(i.amount),
    principal: money(i.principal_amount),
    interest: money(i.interest_amount),
    fee: money(i.fee_amount),
  }));
}

export default function Borrow() {
  const disclosure = useDisclosure();
  const { data, loading, error, reload } = useResource<BorrowData>(async () => {
    const [products, line, me] = await Promise.all([
      loadProducts(),
      api.creditLine().catch((e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.code.includes('credit_line'))) return null;
        throw e;
      }),
      api.me(),
    ]);
    return { products, line, me };
  });

  const [form, setForm] = useState<BorrowFormValue>({
    product: 'cash_loan',
    amountText: '5000',
    term: 'm12',
    method: 'equal_installment',
  });
  const [withFee, setWithFee] = useState(false);
  const [expanded, setExpanded] = useState(false);
  const [agreed, setAgreed] = useState(false);
  const [submitError, setSubmitError] = useState<ErrorView | null>(null);
  const [stepUp, setStepUp] = useState<ApiError | null>(null);
  const [loan, setLoan] = useState<Loan | null>(null);
  const passwordGate = usePaymentPasswordGate();

  const productCode = form.product as ProductCode;
  const rules = productRules(productCode);
  const amount = parseAmountText(form.amountText);
  const pricing = data ? pricingOf(data) : null;
  const startDate = todayBusinessDate(Date.now());

  const offered = useMemo(() => {
    const codes = (data?.products.data ?? []).map((p) => p.code);
    return BORROWABLE.filter((c) => codes.length === 0 || codes.includes(c));
  }, [data]);

  const feeOption = rules.serviceFeeFor(form.term);
  const feeChosen = withFee && feeOption !== null;
  const trial = (
    term: string,
    method: RepaymentMethod,
    fee = feeChosen && rules.serviceFeeFor(term) !== null,
  ) =>
    pricing && amount !== null
      ? trialQuote({
          product: productCode,
          principalAmount: amount,
          term,
          method,
          startDate,
          ...pricing,
          ...(fee ? { withServiceFee: true } : {}),
        })
      : null;

  const current = trial(form.term, form.method as RepaymentMethod);
  const quote = current?.ok ? current.quote : null;

  // What each term costs against the cheapest, with the chosen method where it applies.
  const termPlans: PlanOption[] = (() => {
    const quoted = rules.terms
      .map((term) => {
        const methods = rules.methodsFor(term);
        const method = methods.includes(form.method as RepaymentMethod)
          ? (form.method as RepaymentMethod)
          : methods[0];
        const r = method ? trial(term, method) : null;
        return r?.ok ? { term, method: method!, q: r.quote } : null;
      })
      .filter((x): x is { term: string; method: RepaymentMethod; q: Quote } => x !== null);
    const cmp = compareCosts(quoted.map((x) => ({ key: x.term, totalAmount: x.q.total_amount })));
    return quoted.map(({ term, method, q }) => ({
      key: term,
      title: `${termLabel(term)} · ${METHOD_NAMES[method]}`,
      perInstallment:
        q.installments.length > 1
          ? `首期 ${money(q.installments[0]?.amount)}`
          : `到期还 ${money(q.total_amount)}`,
      ...rates(q),
      totalAmount: money(q.total_amount),
      totalInterest: money(q.total_interest_amount),
      totalFee: money(q.total_fee_amount),
      extraCost: cmp.extraByKey[term] ?? '',
      cheapest: cmp.cheapestKey === term,
    }));
  })();

  const methodOptions: ChoiceOption[] = (() => {
    const methods = rules.methodsFor(form.term);
    const quoted = methods.map((m) => ({ m, r: trial(form.term, m) }));
    const cmp = compareCosts(
      quoted.flatMap(({ m, r }) => (r?.ok ? [{ key: m, totalAmount: r.quote.total_amount }] : [])),
    );
    return methods.map((m) => ({
      value: m,
      label: METHOD_NAMES[m],
      hint:
        cmp.cheapestKey === undefined
          ? undefined
          : cmp.cheapestKey === m
            ? '最省'
            : `多付 ${cmp.extraByKey[m]}`,
    }));
  })();

  const available = data?.line?.available_amount;
  let amountError: string | undefined;
  if (form.amountText !== '' && amount === null) amountError = '请输入正确的金额';
  else if (amount !== null && exceeds(rules.minAmount, amount))
    amountError = `最少借 ${money(rules.minAmount)}`;
  else if (amount !== null && exceeds(amount, rules.maxAmount))
    amountError = `该产品最多借 ${money(rules.maxAmount)}`;
  else if (amount !== null && available !== undefined && exceeds(amount, available))
    amountError = `超出可用额度 ${money(available)}`;
  else if (current && !current.ok)
    amountError = describeError(new ApiError('business_rule', current.code, '', 422)).message;

  const onFormChange = (next: BorrowFormValue) => {
    const nextRules = productRules(next.product as ProductCode);
    let { term, method } = next;
    if (!nextRules.terms.includes(term))
      term = nextRules.terms.find((t) => t.startsWith('m')) ?? nextRules.terms[0] ?? term;
    const methods = nextRules.methodsFor(term);
    if (!methods.includes(method as RepaymentMethod)) method = methods[0] ?? method;
    setForm({ ...next, term, method });
    setSubmitError(null);
  };

  const body =
    amount === null
      ? null
      : {
          product: productCode,
          principal_amount: amount,
          ...termToWire(form.term),
          method: form.method as RepaymentMethod,
          ...(feeChosen ? { with_service_fee: true } : {}),
        };

  /** The 交易密码 goes beside the body, not into the key: a retry with it is the same request. */
  const submit = async (paymentPassword?: string) => {
    if (!body) return;
    setSubmitError(null);
    const key = idempotencyKeys.keyFor('borrow', body);
    try {
      const created = await api.borrow(body, key, paymentPassword);
      idempotencyKeys.settle('borrow');
      passwordGate.close();
      setLoan(created);
      setAgreed(false);
    } catch (e) {
      // Missing or wrong password: ask in place and keep the key for the retry.
      if (passwordGate.ask(e)) return;
      if (e instanceof ApiError && e.code === 'step_up_required') {
        setStepUp(e);
        return;
      }
      // A final refusal settles the action; a network/5xx failure keeps the key for the retry.
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) idempotencyKeys.settle('borrow');
      setSubmitError(describeError(e));
    }
  };

  const cancel = async () => {
    if (!loan) return;
    try {
      const canceled = await api.cancelLoan(loan.id, idempotencyKeys.keyFor(`cancel:${loan.id}`, {}));
      idempotencyKeys.settle(`cancel:${loan.id}`);
      setLoan({ ...loan, ...canceled, status: canceled.status ?? 'canceled' });
    } catch (e) {
      setSubmitError(describeError(e));
    }
  };

  if (loan) {
    return (
      <View className="page page-borrow">
        <View className="card" id="borrow-result">
          {loan.status === 'cooling_off' ? (
            <View className="notice" id="cooling-off-notice">
              <Text className="notice__title">冷静期 24 小时</Text>
              <Text>
                这笔借款超过月收入的 60%（或月收入低于 5,000 元且借款超过 3,000 元），按规定款项将在 24
                小时冷静期后到账。冷静期内您可以免费取消，不产生任何费用。
              </Text>
              {loan.cooling_off_until ? (
                <Text className="notice__line">
                  可免费取消至 {beijingTime(loan.cooling_off_until)}（北京时间）
                </Text>
              ) : null}
            </View>
          ) : loan.status === 'canceled' ? (
            <View className="notice notice--ok" id="canceled-notice">
              <Text className="notice__title">已取消</Text>
              <Text>借款已免费取消，额度已恢复。</Text>
            </View>
          ) : (
            <View className="notice notice--ok" id="disbursed-notice">
              <Text className="notice__title">借款成功</Text>
              <Text>{money(loan.principal_amount)} 已发放到您的银行卡。</Text>
            </View>
          )}
          <RateDisclosure {...rates(loan)} />
          <CostSummary
            lead={{ label: '借款金额', value: money(loan.principal_amount) }}
            totalInterest={money(loan.total_interest_amount)}
            totalFee={money(loan.total_fee_amount)}
            totalAmount={money(loan.total_amount)}
          />
          {submitError ? <ErrorNotice error={submitError} onAction={errorActionHandler()} /> : null}
          <View className="actions">
            {loan.status === 'cooling_off' ? (
              <SubmitButton id="cancel-loan" type="danger" onSubmit={cancel}>
                免费取消这笔借款
              </SubmitButton>
            ) : null}
            <SubmitButton id="view-bills" type="default" onSubmit={() => go(`${PAGES.repay}?id=${loan.id}`)}>
              查看还款计划
            </SubmitButton>
            <SubmitButton
              id="borrow-again"
              type="default"
              onSubmit={() => {
                setLoan(null);
                void reload();
              }}
            >
              返回
            </SubmitButton>
          </View>
        </View>
        <DisclosureFooter {...disclosure} />
      </View>
    );
  }

  return (
    <View className="page page-borrow">
      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        {data && !data.line ? (
          <View className="notice" id="borrow-no-line">
            <Text className="notice__title">还没有额度</Text>
            <Text>请先申请额度。下面的试算可以先看看价格。</Text>
            <View className="actions">
              <SubmitButton type="default" onSubmit={() => go(PAGES.apply)}>
                申请额度
              </SubmitButton>
            </View>
          </View>
        ) : null}
        <View className="card">
          {available !== undefined ? (
            <Text className="muted" id="borrow-available">
              可用额度 {money(available)}
            </Text>
          ) : null}
          <BorrowForm
            value={form}
            products={offered.map((code) => ({
              value: code,
              label: PRODUCT_NAMES[code],
              hint: productRules(code).interestFree ? '免息' : undefined,
            }))}
            terms={rules.terms.map((t) => ({ value: t, label: termLabel(t) }))}
            methods={methodOptions}
            amountHint={`可借 ${money(rules.minAmount)} – ${money(
              available !== undefined && exceeds(rules.maxAmount, available) ? available : rules.maxAmount,
            )}`}
            amountError={amountError}
            onChange={onFormChange}
          />
          {feeOption ? (
            <View className="borrow-fee" id="service-fee">
              <Text className="borrow-fee__label">分期服务费（可选）</Text>
              <View className="borrow-fee__choices">
                {[false, true].map((on) => {
                  const r = trial(form.term, form.method as RepaymentMethod, on);
                  const other = trial(form.term, form.method as RepaymentMethod, !on);
                  const cmp =
                    r?.ok && other?.ok
                      ? compareCosts([
                          { key: String(on), totalAmount: r.quote.total_amount },
                          { key: String(!on), totalAmount: other.quote.total_amount },
                        ])
                      : undefined;
                  const extra =
                    cmp && cmp.cheapestKey !== String(on) ? `多付 ${cmp.extraByKey[String(on)]}` : '最省';
                  return (
                    <View
                      key={String(on)}
                      role="radio"
                      aria-checked={withFee === on}
                      data-testid={`fee-${on ? 'on' : 'off'}`}
                      className={`borrow-fee__chip${withFee === on ? ' borrow-fee__chip--on' : ''}`}
                      onClick={() => setWithFee(on)}
                    >
                      <Text className="borrow-fee__title">{on ? `加服务费 ${feeOption}` : '不加服务费'}</Text>
                      <Text className="borrow-fee__hint">{extra}</Text>
                    </View>
                  );
                })}
              </View>
              <Text className="muted">服务费按本金计算、随每期分摊；年化利率已把服务费算在内。</Text>
            </View>
          ) : null}
        </View>

        {quote ? (
          <View className="card" id="trial">
            <Text className="card__title">试算结果</Text>
            <RateDisclosure {...rates(quote)} />
            <CostSummary
              layout="split"
              totalInterest={money(quote.total_interest_amount)}
              totalFee={money(quote.total_fee_amount)}
              totalAmount={money(quote.total_amount)}
              interestId="trial-interest"
              totalId="trial-total"
            />
            <Text className="card__title borrow-subtitle">还款计划</Text>
            <ScheduleList
              rows={rowsOf(quote)}
              collapsedCount={6}
              expanded={expanded}
              onToggle={setExpanded}
            />
          </View>
        ) : !pricing && data ? (
          <View className="card">
            <Text className="muted">申请额度后可看到您的专属价格。</Text>
          </View>
        ) : null}

        {termPlans.length > 1 ? (
          <View className="card" id="term-compare">
            <Text className="card__title">不同期限的成本</Text>
            <Text className="card__sub">
              同样借 {amount !== null ? money(amount) : '—'}，与总成本最低的选择相比多付多少
            </Text>
            <PlanPicker
              options={termPlans}
              value={form.term}
              onChange={(term) => onFormChange({ ...form, term })}
            />
          </View>
        ) : null}

        {quote ? (
          <View className="card" id="contract-preview">
            <Text className="card__title">借款合同（预览）</Text>
            <View className="borrow-contract">
              <Text>
                借款人向放款机构借款 {money(quote.principal_amount)}，期限 {termLabel(form.term)}，还款方式
                {METHOD_NAMES[quote.method]}，共 {quote.installments.length}{' '}
                期。年化利率（APR，含全部利息和费用）
                {rates(quote).apr}，月利率 {rates(quote).monthlyRate}，日利率 {rates(quote).dailyRate}。总利息
                {money(quote.total_interest_amount)}，总费用 {money(quote.total_fee_amount)}，应还总额
                {money(quote.total_amount)}。提前还款不收违约金，利息只算到还款当天。逾期按未还本金每日 0.05%
                收取罚息。每年可使用 2 次、每次最长 3 天的宽限期。
              </Text>
            </View>
            <View
              className={`borrow-agree${agreed ? ' borrow-agree--on' : ''}`}
              id="agree-contract"
              role="checkbox"
              aria-checked={agreed}
              onClick={() => setAgreed(!agreed)}
            >
              <Text className="borrow-agree__box">{agreed ? '✓' : ''}</Text>
              <Text>我已阅读并同意借款合同及费用说明</Text>
            </View>
            {submitError ? <ErrorNotice error={submitError} onAction={errorActionHandler()} /> : null}
            {stepUp ? (
              <StepUpPanel
                error={stepUp}
                onDone={() => {
                  setStepUp(null);
                  void submit();
                }}
                onCancel={() => setStepUp(null)}
              />
            ) : null}
            {passwordGate.prompt ? (
              <PaymentPasswordPrompt
                {...passwordGate.prompt}
                onSubmit={submit}
                onCancel={passwordGate.close}
              />
            ) : null}
            <View className="actions">
              <SubmitButton
                id="confirm-borrow"
                disabled={
                  !agreed || Boolean(amountError) || !body || !data?.line || passwordGate.prompt !== null
                }
                onSubmit={() => submit()}
              >
                确认借款 {money(quote.principal_amount)}
              </SubmitButton>
            </View>
          </View>
        ) : null}
      </StateView>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
