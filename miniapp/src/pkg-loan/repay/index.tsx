import { Input, Text, View } from '@tarojs/components';
import { useRouter } from '@tarojs/taro';
import { useState } from 'react';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { RateDisclosure } from '../../components/rate-disclosure';
import { ScheduleList } from '../../components/schedule-list';
import { StateView } from '../../components/state-view';
import { StepUpPanel } from '../../components/step-up-panel';
import { SubmitButton } from '../../components/submit-button';
import { exceeds, METHOD_NAMES, money, PRODUCT_NAMES, parseAmountText, rates } from '../../domain';
import { installmentRows, LOAN_STATUS, termText } from '../../domain/loan-view';
import { errorActionHandler, useDisclosure, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type { Loan, Payoff } from '../../services/types';
import './index.scss';

type RepayBody = { amount: number } | { type: 'payoff' } | { type: 'installment' };

export default function Repay() {
  const loanId = useRouter().params.id ?? '';
  const disclosure = useDisclosure();
  const { data, loading, error, reload } = useResource<{ loan: Loan; payoff: Payoff | null }>(async () => {
    const loan = await api.loan(loanId);
    const payoff = loan.status === 'active' || loan.status === 'overdue' ? await api.payoff(loanId) : null;
    return { loan, payoff };
  }, [loanId]);
  const [amountText, setAmountText] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const [stepUp, setStepUp] = useState<{ error: ApiError; retry: () => Promise<void> } | null>(null);
  const [expanded, setExpanded] = useState(false);

  const act = async (
    scope: string,
    run: (key: string) => Promise<unknown>,
    message: string,
    body: unknown,
  ) => {
    setFailure(null);
    setDone(null);
    const key = idempotencyKeys.keyFor(`${scope}:${loanId}`, body);
    try {
      await run(key);
      idempotencyKeys.settle(`${scope}:${loanId}`);
      setDone(message);
      setAmountText('');
      await reload();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'step_up_required') {
        setStepUp({ error: e, retry: () => act(scope, run, message, body) });
        return;
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500)
        idempotencyKeys.settle(`${scope}:${loanId}`);
      setFailure(describeError(e));
    }
  };

  const repay = (body: RepayBody, message: string) =>
    act('repay', (key) => api.repay(loanId, body, key), message, body);

  const loan = data?.loan;
  const payoff = data?.payoff;
  const next = loan?.installments?.find((i) => i.status !== 'paid' && i.status !== 'canceled');
  const customAmount = parseAmountText(amountText);
  const customError =
    amountText && customAmount === null
      ? '请输入正确的金额'
      : customAmount !== null && payoff && exceeds(customAmount, payoff.amount)
        ? `超过全部结清金额 ${money(payoff.amount)}，请选择“全部结清”`
        : undefined;
  const repayable = loan?.status === 'active' || loan?.status === 'overdue';

  return (
    <View className="page page-repay">
      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        {loan ? (
          <>
            <View className="card" id="loan-summary">
              <View className="repay-head">
                <Text className="card__title">
                  {PRODUCT_NAMES[loan.product ?? 'cash_loan'] ?? '借款'} · {termText(loan)}
                </Text>
                <Text className={`tag tag--${LOAN_STATUS[loan.status]?.tone ?? 'muted'}`} id="loan-status">
                  {LOAN_STATUS[loan.status]?.label ?? loan.status}
                </Text>
              </View>
              <RateDisclosure {...rates(loan)} />
              <View className="kv">
                <Text className="kv__label">借款金额</Text>
                <Text className="kv__value">{money(loan.principal_amount)}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">还款方式</Text>
                <Text className="kv__value">{METHOD_NAMES[loan.method] ?? loan.method}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">总利息 / 总费用</Text>
                <Text className="kv__value">
                  {money(loan.total_interest_amount)} / {money(loan.total_fee_amount)}
                </Text>
              </View>
            </View>

            {done ? (
              <View className="notice notice--ok" id="repay-done">
                <Text className="notice__title">{done}</Text>
                <Text>还款的本金次日（T+1）恢复为可用额度。</Text>
              </View>
            ) : null}
            {failure ? <ErrorNotice error={failure} onAction={errorActionHandler(reload)} /> : null}
            {stepUp ? (
              <StepUpPanel
                error={stepUp.error}
                onDone={() => {
                  const retry = stepUp.retry;
                  setStepUp(null);
                  void retry();
                }}
                onCancel={() => setStepUp(null)}
              />
            ) : null}

            {loan.status === 'cooling_off' ? (
              <View className="card" id="cooling-off">
                <View className="notice">
                  <Text className="notice__title">冷静期内，可免费取消</Text>
                  <Text>款项将在冷静期结束后发放。现在取消不产生任何费用。</Text>
                </View>
                <SubmitButton
                  id="cancel-loan"
                  type="danger"
                  onSubmit={() => act('cancel', (key) => api.cancelLoan(loanId, key), '已免费取消', {})}
                >
                  免费取消这笔借款
                </SubmitButton>
              </View>
            ) : null}

            {repayable ? (
              <View className="card" id="repay-actions">
                <Text className="card__title">还款</Text>
                {next ? (
                  <View className="repay-option">
                    <View className="kv">
                      <Text className="kv__label">
                        第 {next.number} 期（{next.due_date}）
                      </Text>
                      <Text className="kv__value kv__value--strong" id="installment-amount">
                        {money(next.amount)}
                      </Text>
                    </View>
                    <SubmitButton
                      id="pay-installment"
                      onSubmit={() => repay({ type: 'installment' }, `第 ${next.number} 期已还`)}
                    >
                      还本期
                    </SubmitButton>
                  </View>
                ) : null}

                {payoff ? (
                  <View className="repay-option" id="payoff">
                    <View className="kv">
                      <Text className="kv__label">今天全部结清</Text>
                      <Text className="kv__value kv__value--strong" id="payoff-amount">
                        {money(payoff.amount)}
                      </Text>
                    </View>
                    <Text className="muted">
                      本金 {money(payoff.principal_amount)} · 利息 {money(payoff.interest_amount)}（算到今天）
                      · 罚息 {money(payoff.penalty_amount)} · 费用 {money(payoff.fee_amount)} ·
                      无提前还款违约金
                    </Text>
                    <SubmitButton
                      id="pay-off"
                      type="default"
                      onSubmit={() => repay({ type: 'payoff' }, '已全部结清')}
                    >
                      全部结清
                    </SubmitButton>
                  </View>
                ) : null}

                <View className="repay-option">
                  <Text className="field__label">自定义金额（元）</Text>
                  <Input
                    id="custom-amount"
                    className="field__input"
                    type="digit"
                    placeholder="输入还款金额"
                    value={amountText}
                    onInput={(e) => {
                      const text = e.detail.value.trim();
                      if (/^\d{0,9}(\.\d{0,2})?$/.test(text)) setAmountText(text);
                    }}
                  />
                  {customError ? <Text className="repay-error">{customError}</Text> : null}
                  <SubmitButton
                    id="pay-custom"
                    type="default"
                    disabled={customAmount === null || customAmount === 0 || Boolean(customError)}
                    onSubmit={() =>
                      customAmount === null
                        ? undefined
                        : repay({ amount: customAmount }, `已还款 ${money(customAmount)}`)
                    }
                  >
                    按金额还款
                  </SubmitButton>
                </View>

                <View className="repay-option">
                  <Text className="muted">
                    手头紧？每年可申请 2 次宽限期，每次最长 3 天，不计逾期，但利息照常计算。
                  </Text>
                  <SubmitButton
                    id="request-grace"
                    type="default"
                    onSubmit={() => act('grace', (key) => api.requestGrace(loanId, key), '宽限期已生效', {})}
                  >
                    申请宽限期
                  </SubmitButton>
                </View>
              </View>
            ) : null}

            <View className="card">
              <Text className="card__title">还款计划</Text>
              <ScheduleList
                rows={installmentRows(loan.installments ?? [])}
                collapsedCount={12}
                expanded={expanded}
                onToggle={setExpanded}
              />
            </View>
          </>
        ) : null}
      </StateView>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
