import { Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { StateView } from '../../components/state-view';
import { SubmitButton } from '../../components/submit-button';
import { money, parseAmountText } from '../../domain';
import { beijingTime } from '../../domain/time';
import { errorActionHandler, useDisclosure, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type { TemporaryIncrease } from '../../services/types';
import './index.scss';

const PROOFS = [
  { value: 'payslip', label: '工资流水' },
  { value: 'bank_flow', label: '银行流水' },
  { value: 'asset', label: '资产证明' },
];

export default function Temporary() {
  const disclosure = useDisclosure();
  const { data: line, loading, error, reload } = useResource(() => api.creditLine());
  const [amountText, setAmountText] = useState('');
  const [proofType, setProofType] = useState('payslip');
  const [proofRef, setProofRef] = useState('');
  const [result, setResult] = useState<TemporaryIncrease | null>(null);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const amount = parseAmountText(amountText);
  const active = line && line.temporary_limit_amount > 0;

  const submit = async () => {
    if (!active && amount === null) return;
    setFailure(null);
    const proof = { type: proofType, reference: proofRef };
    // An active temporary line can be renewed once for another 30 days; otherwise ask for an amount.
    const body = active ? { renew: true, proof } : { amount, proof };
    try {
      const r = await api.requestTemporaryIncrease(body, idempotencyKeys.keyFor('temporary', body));
      idempotencyKeys.settle('temporary');
      setResult(r);
      await reload();
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) idempotencyKeys.settle('temporary');
      setFailure(describeError(e));
    }
  };

  return (
    <View className="page page-temporary">
      <StateView loading={loading && !line} error={error} onErrorAction={errorActionHandler(reload)}>
        {line ? (
          <View className="card" id="temporary-status">
            <Text className="card__title">当前临时额度</Text>
            <View className="kv">
              <Text className="kv__label">临时额度</Text>
              <Text className="kv__value kv__value--strong">{money(line.temporary_limit_amount)}</Text>
            </View>
            <View className="kv">
              <Text className="kv__label">有效期至</Text>
              <Text className="kv__value">
                {active && line.temporary_expires_at ? beijingTime(line.temporary_expires_at) : '—'}
              </Text>
            </View>
            <View className="kv">
              <Text className="kv__label">基础额度</Text>
              <Text className="kv__value">{money(line.base_limit_amount)}</Text>
            </View>
          </View>
        ) : null}
      </StateView>

      {result ? (
        <View className="notice notice--ok" id="temporary-result">
          <Text className="notice__title">
            {result.status === 'approved' || result.status === 'active'
              ? '临时额度已生效'
              : `申请状态：${result.status}`}
          </Text>
          {result.expires_at ? <Text>有效期至 {beijingTime(String(result.expires_at))}</Text> : null}
        </View>
      ) : null}

      <View className="card">
        <Text className="card__title">{active ? '续期临时额度（再延 30 天）' : '申请临时额度'}</Text>
        <Text className="card__sub">
          节日等消费高峰可申请，最高为基础额度的 50%，有效 30 天，可续期一次；需提供还款能力证明。
        </Text>
        {active ? null : (
          <View className="field">
            <Text className="field__label">申请金额（元）</Text>
            <Input
              id="temporary-amount"
              className="field__input"
              type="digit"
              placeholder="例如 5000"
              value={amountText}
              onInput={(e) => {
                const text = e.detail.value.trim();
                if (/^\d{0,9}(\.\d{0,2})?$/.test(text)) setAmountText(text);
              }}
            />
          </View>
        )}
        <Text className="field__label">证明材料</Text>
        <View className="temporary-proofs">
          {PROOFS.map((p) => (
            <View
              key={p.value}
              className={`temporary-proof${proofType === p.value ? ' temporary-proof--on' : ''}`}
              onClick={() => setProofType(p.value)}
            >
              <Text>{p.label}</Text>
            </View>
          ))}
        </View>
        <View className="field">
          <Text className="field__label">材料编号（上传后获得）</Text>
          <Input
            id="proof-reference"
            className="field__input"
            placeholder="例如 payslip-2026-10"
            value={proofRef}
            onInput={(e) => setProofRef(e.detail.value.slice(0, 120))}
          />
        </View>
        {failure ? <ErrorNotice error={failure} onAction={errorActionHandler()} /> : null}
        <View className="actions">
          <SubmitButton
            id="submit-temporary"
            disabled={(!active && amount === null) || !proofRef}
            onSubmit={submit}
          >
            提交申请
          </SubmitButton>
        </View>
      </View>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
