import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ErrorNotice } from '../../components/error-notice';
import { isSixDigits, PaymentPasswordInput } from '../../components/payment-password';
import { StateView } from '../../components/state-view';
import { StepUpPanel } from '../../components/step-up-panel';
import { SubmitButton } from '../../components/submit-button';
import { errorActionHandler, go, useDisclosure, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView, PAGES } from '../../services/errors';
import type { Me } from '../../services/types';
import './index.scss';

const TIER_NAMES: Record<string, string> = { premium: '优质用户', regular: '普通用户', new: '新用户' };

export function healthOf(me: Me): number | null {
  if (typeof me.health_score === 'number') return me.health_score;
  if (me.health && typeof me.health.score === 'number') return me.health.score;
  return null;
}

export function educationPassed(me: Me): boolean {
  return Boolean(me.education_passed ?? me.education?.passed);
}

const LINKS: { label: string; url: string; id: string }[] = [
  { label: '申请额度', url: PAGES.apply, id: 'link-apply' },
  { label: '临时额度', url: PAGES.temporary, id: 'link-temporary' },
  { label: '风险教育与小测验', url: PAGES.education, id: 'link-education' },
  { label: '借贷健康度', url: PAGES.health, id: 'link-health' },
  { label: '数据授权管理', url: PAGES.authorizations, id: 'link-authorizations' },
  { label: '外卖分期演示（合作方）', url: PAGES.partner, id: 'link-partner' },
];

interface PasswordDraft {
  current: string;
  next: string;
  repeat: string;
}

const EMPTY_DRAFT: PasswordDraft = { current: '', next: '', repeat: '' };

/** Why the draft cannot be sent yet, or null. The API judges "too simple" (one rule, one place). */
export function draftProblem(draft: PasswordDraft, changing: boolean): string | null {
  if (changing && !isSixDigits(draft.current)) return '请输入当前的 6 位交易密码';
  if (!isSixDigits(draft.next)) return '请输入 6 位数字的新交易密码';
  if (draft.repeat !== draft.next) return '两次输入的交易密码不一致';
  return null;
}

/** 交易密码: set, or change with the current one. The digits are cleared after every answer. */
function PaymentPasswordCard(props: { isSet: boolean; onSaved: () => void }) {
  const { isSet, onSaved } = props;
  const [draft, setDraft] = useState<PasswordDraft>(EMPTY_DRAFT);
  const [failure, setFailure] = useState<ErrorView | null>(null);
  const [stepUp, setStepUp] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<'set' | 'changed' | null>(null);
  const problem = draftProblem(draft, isSet);
  const touched = draft.next.length === 6 && draft.repeat.length === 6;

  const save = async () => {
    if (problem) return;
    setFailure(null);
    setSaved(null);
    try {
      await api.setPaymentPassword({
        password: draft.next,
        ...(isSet ? { current_password: draft.current } : {}),
      });
      setDraft(EMPTY_DRAFT);
      setSaved(isSet ? 'changed' : 'set');
      onSaved();
    } catch (e) {
      // Locked by 3 wrong passwords: keep the draft only until the step-up passes.
      if (e instanceof ApiError && e.code === 'step_up_required') {
        setStepUp(e);
        return;
      }
      setDraft(EMPTY_DRAFT);
      setFailure(describeError(e));
    }
  };

  return (
    <View className="card" id="payment-password-card">
      <Text className="card__title">交易密码</Text>
      <Text className="muted">
        {isSet
          ? '借款和分期支付时需要输入 6 位交易密码。连续输错 3 次需要二次验证。'
          : '设置后，借款和分期支付时需要输入 6 位交易密码，多一层保护。'}
      </Text>
      {saved ? (
        <View className="notice notice--ok" id="payment-password-saved">
          <Text>{saved === 'set' ? '交易密码已设置' : '交易密码已修改'}</Text>
        </View>
      ) : null}
      {isSet ? (
        <PaymentPasswordInput
          id="payment-password-current"
          label="当前交易密码"
          value={draft.current}
          onChange={(current) => setDraft({ ...draft, current })}
        />
      ) : null}
      <PaymentPasswordInput
        id="payment-password-new"
        label={isSet ? '新交易密码' : '交易密码'}
        value={draft.next}
        onChange={(next) => setDraft({ ...draft, next })}
      />
      <PaymentPasswordInput
        id="payment-password-repeat"
        label="再输入一次"
        value={draft.repeat}
        onChange={(repeat) => setDraft({ ...draft, repeat })}
      />
      {touched && problem ? (
        <Text className="muted" id="payment-password-problem">
          {problem}
        </Text>
      ) : null}
      {failure ? <ErrorNotice error={failure} /> : null}
      {stepUp ? (
        <StepUpPanel
          error={stepUp}
          onDone={() => {
            setStepUp(null);
            void save();
          }}
          onCancel={() => {
            setStepUp(null);
            setDraft(EMPTY_DRAFT);
          }}
        />
      ) : null}
      <View className="actions">
        <SubmitButton id="payment-password-save" disabled={problem !== null} onSubmit={save}>
          {isSet ? '修改交易密码' : '设置交易密码'}
        </SubmitButton>
      </View>
    </View>
  );
}

export default function MePage() {
  const disclosure = useDisclosure();
  const { data: me, loading, error, reload } = useResource(() => api.me());
  const health = me ? healthOf(me) : null;

  return (
    <View className="page page-me">
      <StateView loading={loading && !me} error={error} onErrorAction={errorActionHandler(reload)}>
        {me ? (
          <View className="card">
            <Text className="card__title">我的账户</Text>
            <View className="kv">
              <Text className="kv__label">用户等级</Text>
              <Text className="kv__value">{me.tier ? (TIER_NAMES[me.tier] ?? me.tier) : '未评估'}</Text>
            </View>
            <View className="kv">
              <Text className="kv__label">借贷健康度</Text>
              <Text className="kv__value">{health === null ? '未评估' : `${health} 分`}</Text>
            </View>
            <View className="kv">
              <Text className="kv__label">风险教育</Text>
              <Text className={`tag ${educationPassed(me) ? 'tag--ok' : 'tag--warn'}`}>
                {educationPassed(me) ? '已通过' : '未完成'}
              </Text>
            </View>
          </View>
        ) : null}
        {me ? (
          <PaymentPasswordCard isSet={Boolean(me.payment_password_set)} onSaved={() => void reload()} />
        ) : null}
      </StateView>
      <View className="card me-links">
        {LINKS.map((link) => (
          <View key={link.url} id={link.id} className="me-links__item" onClick={() => go(link.url)}>
            <Text>{link.label}</Text>
            <Text className="muted">›</Text>
          </View>
        ))}
      </View>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
