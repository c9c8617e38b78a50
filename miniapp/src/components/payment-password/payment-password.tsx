import { Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { attemptsText } from '../../services/errors';
import { SubmitButton } from '../submit-button';
import './payment-password.scss';

const DIGITS_RE = /^\d{6}$/;

/** Keeps at most six digits of whatever was typed or pasted. */
export function sixDigits(typed: string): string {
  return typed.replace(/\D/g, '').slice(0, 6);
}

export function isSixDigits(value: string): boolean {
  return DIGITS_RE.test(value);
}

export interface PaymentPasswordInputProps {
  id: string;
  label: string;
  value: string;
  onChange: (digits: string) => void;
}

/**
 * One masked 6-digit field (numeric keyboard). The digits live only in the caller's state:
 * never stored, never logged.
 */
export function PaymentPasswordInput(props: PaymentPasswordInputProps) {
  const { id, label, value, onChange } = props;
  return (
    <View className="field">
      <Text className="field__label">{label}</Text>
      <Input
        id={id}
        className="field__input fq-paypwd__input"
        type="number"
        password
        maxlength={6}
        placeholder="6 位数字"
        value={value}
        nativeProps={{ inputmode: 'numeric', autocomplete: 'off' }}
        onInput={(e) => onChange(sixDigits(e.detail.value))}
      />
    </View>
  );
}

export interface PaymentPasswordPromptProps {
  /** After a wrong password: how many tries are left before a step-up is needed. */
  attemptsRemaining?: number;
  /** Sends the paused request again with these digits (same Idempotency-Key). */
  onSubmit: (password: string) => Promise<void>;
  onCancel: () => void;
}

/** 交易密码: asked in place when a borrow or checkout confirm needs it; cleared after each try. */
export function PaymentPasswordPrompt(props: PaymentPasswordPromptProps) {
  const { attemptsRemaining, onSubmit, onCancel } = props;
  const [digits, setDigits] = useState('');

  const submit = async () => {
    const password = digits;
    setDigits('');
    await onSubmit(password);
  };

  return (
    <View className="fq-paypwd" id="payment-password-prompt">
      <Text className="fq-paypwd__title">请输入交易密码</Text>
      <Text className="fq-paypwd__text">为了您的资金安全，这笔操作需要您的 6 位交易密码。</Text>
      {attemptsRemaining !== undefined ? (
        <Text className="fq-paypwd__wrong" id="payment-password-attempts">
          {attemptsText(attemptsRemaining)}
        </Text>
      ) : null}
      <PaymentPasswordInput
        id="payment-password-input"
        label="交易密码"
        value={digits}
        onChange={setDigits}
      />
      <View className="actions">
        <SubmitButton id="payment-password-submit" onSubmit={submit} disabled={!isSixDigits(digits)}>
          确认
        </SubmitButton>
        <SubmitButton type="default" onSubmit={onCancel}>
          取消
        </SubmitButton>
      </View>
    </View>
  );
}
