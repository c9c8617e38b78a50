import { Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useMemo, useState } from 'react';
import { CostSummary } from '../../components/cost-summary';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { PaymentPasswordPrompt } from '../../components/payment-password';
import { type PlanOption, PlanPicker } from '../../components/plan-picker';
import { RateDisclosure } from '../../components/rate-disclosure';
import { StateView } from '../../components/state-view';
import { StepUpPanel } from '../../components/step-up-panel';
import { SubmitButton } from '../../components/submit-button';
import { compareCosts, money, rates } from '../../domain';
import { beijingTime } from '../../domain/time';
import { errorActionHandler, useDisclosure, usePaymentPasswordGate, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type { CheckoutView } from '../../services/types';
import './index.scss';

export function planOptions(checkout: CheckoutView): PlanOption[] {
  const cmp = compareCosts(
    checkout.plans.map((p) => ({ key: String(p.installments), totalAmount: p.total_amount })),
  );
  return checkout.plans.map((p) => ({
    key: String(p.installments),
    title: `${p.installments} 期`,
    perInstallment: `每期 ${money(p.installment_amount)}`,
    ...rates(p),
    totalAmount: money(p.total_amount),
    totalInterest: money(p.total_interest_amount),
    totalFee: money(p.total_fee_amount),
    extraCost: cmp.extraByKey[String(p.installments)] ?? '',
    cheapest: cmp.cheapestKey === String(p.installments),
  }));
}

const STATUS_TEXT: Record<string, string> = {
  open: '待支付',
  authorized: '已授权',
  captured: '支付成功',
  canceled: '已取消',
  expired: '已过期',
  refunded: '已退款',
  partially_refunded: '部分退款',
};

/** What the partner passed with `navigateToMiniProgram({ extraData })` (weapp only). */
function partnerExtra(): { token?: string; out_trade_no?: string } {
  if (process.env.TARO_ENV !== 'weapp') return {};
  const enter = Taro.getEnterOptionsSync?.() as
    | { referrerInfo?: { extraData?: Record<string, unknown> } }
    | undefined;
  const extra = enter?.referrerInfo?.extraData ?? {};
  return {
    ...(typeof extra.token === 'string' ? { token: extra.token } : {}),
    ...(typeof extra.out_trade_no === 'string' ? { out_trade_no: extra.out_trade_no } : {}),
  };
}

export default function Checkout() {
  const params = useRouter().params;
  const token = params.token ?? partnerExtra().token ?? '';
  const fromPartner = params.from === 'partner';
  const disclosure = useDisclosure();
  const { data, loading, error, reload } = useResource(() => api.checkout(token), [token]);
  const [choice, setChoice] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const [stepUp, setStepUp] = useState<ApiError | null>(null);
  const [confirmed, setConfirmed] = useState<{ status: string; installments: number } | null>(null);
  const passwordGate = usePaymentPasswordGate();

  const options = useMemo(() => (data ? planOptions(data) : []), [data]);
  const selected = choice ?? options.find((o) => o.key === '6')?.key ?? options[0]?.key;
  const plan = data?.plans.find((p) => String(p.installments) === selected);

  /** The 交易密码 goes beside the body, not into the key: a retry with it is the same request. */
  const confirm = async (paymentPassword?: string) => {
    if (!plan) return;
    setFailure(null);
    const scope = `checkout:${token}`;
    const key = idempotencyKeys.keyFor(scope, { installments: plan.installments });
    try {
      const r = await api.confirmCheckout(token, plan.installments, key, paymentPassword);
      idempotencyKeys.settle(scope);
      passwordGate.close();
      setConfirmed({ status: r.status ?? 'captured', installments: plan.installments });
    } catch (e) {
      // Missing or wrong password: ask in place and keep the key for the retry.
      if (passwordGate.ask(e)) return;
      if (e instanceof ApiError && e.code === 'step_up_required') {
        setStepUp(e);
        return;
      }
      if (e instanceof ApiError && e.status < 500) idempotencyKeys.settle(scope);
      setFailure(describeError(e));
    }
  };

  /** Back to the partner with the result (weapp: the partner mini-program gets extraData). */
  const backToPartner = (status: string) => {
    const result = {
      checkout_id: data?.id,
      out_trade_no: partnerExtra().out_trade_no ?? data?.out_trade_no,
      token,
      status,
      installments: confirmed?.installments,
    };
    if (process.env.TARO_ENV === 'weapp' && !fromPartner) {
      void Taro.navigateBackMiniProgram({ extraData: result });
      return;
    }
    const query = `token=${encodeURIComponent(token)}&status=${encodeURIComponent(status)}${
      confirmed ? `&installments=${confirmed.installments}` : ''
    }`;
    void Taro.redirectTo({ url: `${PAGES.partner}?${query}` });
  };

  if (confirmed && data) {
    return (
      <View className="page page-checkout">
        <View className="card" id="checkout-done">
          <View className="notice notice--ok">
            <Text className="notice__title">分期支付成功</Text>
            <Text>
              {data.merchant.name} 订单 {money(data.amount)}，分 {confirmed.installments} 期
              {plan ? `，每期 ${money(plan.installment_amount)}` : ''}。
            </Text>
          </View>
          <View className="actions">
            <SubmitButton id="back-to-partner" onSubmit={() => backToPartner(confirmed.status)}>
              返回商家
            </SubmitButton>
          </View>
        </View>
        <DisclosureFooter {...disclosure} />
      </View>
    );
  }

  return (
    <View className="page page-checkout">
      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        {data ? (
          <>
            <View className="card" id="checkout-order">
              <Text className="muted">{data.merchant.name}</Text>
              <Text className="checkout-amount">{money(data.amount)}</Text>
              <Text className="checkout-desc">{data.description}</Text>
              <View className="kv">
                <Text className="kv__label">订单状态</Text>
                <Text className="kv__value">{STATUS_TEXT[data.status] ?? data.status}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">请在此时间前完成</Text>
                <Text className="kv__value">{beijingTime(data.expires_at)}</Text>
              </View>
            </View>
            {data.status === 'open' ? (
              <>
                <View className="card">
                  <Text className="card__title">选择分期方案</Text>
                  <PlanPicker options={options} value={selected} onChange={setChoice} />
                </View>
                {plan ? (
                  <View className="card" id="checkout-plan">
                    <Text className="card__title">{plan.installments} 期费用说明</Text>
                    <RateDisclosure {...rates(plan)} />
                    <CostSummary
                      lead={{ label: '每期应还', value: money(plan.installment_amount) }}
                      emphasis="lead"
                      totalInterest={money(plan.total_interest_amount)}
                      totalFee={money(plan.total_fee_amount)}
                      totalAmount={money(plan.total_amount)}
                    />
                    {failure ? <ErrorNotice error={failure} onAction={errorActionHandler(reload)} /> : null}
                    {stepUp ? (
                      <StepUpPanel
                        error={stepUp}
                        onDone={() => {
                          setStepUp(null);
                          void confirm();
                        }}
                        onCancel={() => setStepUp(null)}
                      />
                    ) : null}
                    {passwordGate.prompt ? (
                      <PaymentPasswordPrompt
                        {...passwordGate.prompt}
                        onSubmit={confirm}
                        onCancel={passwordGate.close}
                      />
                    ) : null}
                    <View className="actions">
                      <SubmitButton
                        id="confirm-checkout"
                        disabled={passwordGate.prompt !== null}
                        onSubmit={() => confirm()}
                      >
                        确认分 {plan.installments} 期支付
                      </SubmitButton>
                      <SubmitButton type="default" onSubmit={() => backToPartner('canceled_by_user')}>
                        返回商家
                      </SubmitButton>
                    </View>
                  </View>
                ) : null}
              </>
            ) : (
              <View className="actions">
                <SubmitButton type="default" onSubmit={() => backToPartner(data.status)}>
                  返回商家
                </SubmitButton>
              </View>
            )}
          </>
        ) : null}
      </StateView>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
