import { Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useState } from 'react';
import { ErrorNotice } from '../../components/error-notice';
import { SubmitButton } from '../../components/submit-button';
import { money } from '../../domain';
import { api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import './index.scss';

/**
 * A stand-in for a partner's food-delivery mini-program (dev/test only): its order becomes a
 * checkout of the seeded demo merchant (POST /v1/demo/partner-orders, server side), and the
 * shopper is handed to Fenqi's checkout page — what `navigateToMiniProgram` does between two
 * real mini-programs.
 */
const ORDER = {
  // Prices in fen, as the partner's server would send them.
  items: [
    { name: '招牌小龙虾（大份）', quantity: 1, amount: 16800 },
    { name: '蒜蓉粉丝扇贝 × 6', quantity: 1, amount: 8800 },
    { name: '配送费', quantity: 1, amount: 1200 },
  ],
  amount: 26800,
  description: '好味外卖 · 小龙虾套餐',
};

const RESULT_TEXT: Record<string, string> = {
  captured: '分期支付成功，商家已接单',
  authorized: '分期已授权，等待商家确认',
  canceled_by_user: '您已返回，订单尚未支付',
};

export default function Partner() {
  const params = useRouter().params;
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const status = params.status;

  const pay = async () => {
    setFailure(null);
    const body = { amount: ORDER.amount, description: ORDER.description, items: ORDER.items };
    try {
      const { token } = await api.createDemoPartnerOrder(body, idempotencyKeys.keyFor('partner-order', body));
      idempotencyKeys.settle('partner-order');
      await Taro.navigateTo({ url: `${PAGES.checkout}?token=${encodeURIComponent(token)}&from=partner` });
    } catch (e) {
      setFailure(describeError(e));
    }
  };

  return (
    <View className="page page-partner">
      <View className="partner-banner">
        <Text className="partner-banner__name">好味外卖</Text>
        <Text className="partner-banner__tag">合作商家演示</Text>
      </View>
      {status ? (
        <View
          className={`notice ${status === 'captured' || status === 'authorized' ? 'notice--ok' : ''}`}
          id="partner-result"
        >
          <Text className="notice__title">{RESULT_TEXT[status] ?? `订单状态：${status}`}</Text>
          {params.installments ? (
            <Text>已选择分 {params.installments} 期，账单可在“分期”小程序查看。</Text>
          ) : null}
        </View>
      ) : null}
      <View className="card" id="partner-order">
        <Text className="card__title">确认订单</Text>
        {ORDER.items.map((item) => (
          <View className="kv" key={item.name}>
            <Text className="kv__label">{item.name}</Text>
            <Text className="kv__value">{money(item.amount)}</Text>
          </View>
        ))}
        <View className="kv partner-total">
          <Text className="kv__label">合计</Text>
          <Text className="kv__value kv__value--strong">{money(ORDER.amount)}</Text>
        </View>
      </View>
      {failure ? <ErrorNotice error={failure} /> : null}
      {status !== 'captured' && status !== 'authorized' ? (
        <View className="actions partner-actions">
          <SubmitButton id="partner-pay-installments" onSubmit={pay}>
            分期支付（3/6/9/12 期）
          </SubmitButton>
          <Text className="muted">由持牌机构提供分期服务，年化利率在收银台展示。</Text>
        </View>
      ) : null}
    </View>
  );
}
