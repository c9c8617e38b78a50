import { Input, Switch, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { SubmitButton } from '../../components/submit-button';
import { money, parseAmountText } from '../../domain';
import { AUTHORIZATIONS, CREDIT_CONSENTS, ESSENTIAL_CONSENTS } from '../../domain/authorizations';
import { errorActionHandler, go, useDisclosure } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import type { CreditApplicationResult } from '../../services/types';
import './index.scss';

/** The server writes "中文 (English)"; the page shows the Chinese part when there is one. */
export function chineseOnly(text: string): string {
  const cut = text.search(/ \([A-Za-z]/);
  const head = cut > 0 ? text.slice(0, cut) : text;
  return /[\u4e00-\u9fa5]/.test(head) ? head.trim() : text;
}

function reasonText(reason: CreditApplicationResult['reasons'][number]): string {
  return chineseOnly(
    typeof reason === 'string' ? reason : (reason.message ?? reason.text ?? reason.code ?? ''),
  );
}

export default function Apply() {
  const disclosure = useDisclosure();
  const [incomeText, setIncomeText] = useState('');
  const [consents, setConsents] = useState<string[]>(CREDIT_CONSENTS);
  const [agreed, setAgreed] = useState(false);
  const [result, setResult] = useState<CreditApplicationResult | null>(null);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const income = parseAmountText(incomeText);

  const submit = async () => {
    if (income === null) return;
    setFailure(null);
    const body = { monthly_income: income, consents: [...ESSENTIAL_CONSENTS, ...consents] };
    try {
      const r = await api.applyForCredit(body, idempotencyKeys.keyFor('apply', body));
      idempotencyKeys.settle('apply');
      setResult(r);
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) idempotencyKeys.settle('apply');
      setFailure(describeError(e));
    }
  };

  if (result) {
    const line = result.credit_line;
    return (
      <View className="page page-apply">
        <View className="card" id="apply-result">
          {result.status === 'approved' ? (
            <View className="notice notice--ok">
              <Text className="notice__title">授信成功</Text>
              {line ? <Text id="approved-limit">基础额度 {money(line.base_limit_amount)}</Text> : null}
            </View>
          ) : (
            <View className="notice">
              <Text className="notice__title">暂未通过</Text>
              <Text>
                {describeError(new ApiError('business_rule', result.decline_code ?? '', '', 422)).message}
              </Text>
            </View>
          )}
          <Text className="card__title">为什么是这个结果</Text>
          {result.reasons.map((r) => (
            <Text className="apply-reason" key={reasonText(r)}>
              · {reasonText(r)}
            </Text>
          ))}
          <View className="actions">
            {result.status === 'approved' ? (
              <SubmitButton id="apply-go-borrow" onSubmit={() => go(PAGES.borrow)}>
                去借款
              </SubmitButton>
            ) : null}
            <SubmitButton type="default" onSubmit={() => go(PAGES.home)}>
              回到首页
            </SubmitButton>
          </View>
        </View>
        <DisclosureFooter {...disclosure} />
      </View>
    );
  }

  return (
    <View className="page page-apply">
      <View className="card">
        <Text className="card__title">申请授信额度</Text>
        <Text className="card__sub">额度 500 – 200,000 元，根据收入、还款能力等综合评估。</Text>
        <View className="field">
          <Text className="field__label">税后月收入（元）</Text>
          <Input
            id="monthly-income"
            className="field__input"
            type="digit"
            placeholder="例如 8000"
            value={incomeText}
            onInput={(e) => {
              const text = e.detail.value.trim();
              if (/^\d{0,9}(\.\d{0,2})?$/.test(text)) setIncomeText(text);
            }}
          />
        </View>
        <Text className="field__label">授权用于额度评估（可选，可随时关闭）</Text>
        {AUTHORIZATIONS.filter((a) => CREDIT_CONSENTS.includes(a.key)).map((a) => (
          <View className="apply-consent" key={a.key}>
            <View className="apply-consent__text">
              <Text className="apply-consent__name">{a.name}</Text>
              <Text className="muted">{a.purpose}</Text>
            </View>
            <Switch
              checked={consents.includes(a.key)}
              onChange={(e) =>
                setConsents(e.detail.value ? [...consents, a.key] : consents.filter((k) => k !== a.key))
              }
            />
          </View>
        ))}
        <View
          className="apply-agree"
          id="apply-agree"
          role="checkbox"
          aria-checked={agreed}
          onClick={() => setAgreed(!agreed)}
        >
          <Text className={`apply-agree__box${agreed ? ' apply-agree__box--on' : ''}`}>
            {agreed ? '✓' : ''}
          </Text>
          <Text>我已阅读并同意《个人信息处理规则》和《授信协议》</Text>
        </View>
        {failure ? <ErrorNotice error={failure} onAction={errorActionHandler()} /> : null}
        <View className="actions">
          <SubmitButton id="submit-apply" disabled={income === null || !agreed} onSubmit={submit}>
            提交申请
          </SubmitButton>
        </View>
      </View>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
