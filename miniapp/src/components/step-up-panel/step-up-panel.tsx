import { Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { type ApiError, api } from '../../services/api';
import { describeError, type ErrorView } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import { ErrorNotice } from '../error-notice';
import { SubmitButton } from '../submit-button';
import './step-up-panel.scss';

export interface StepUpPanelProps {
  /** The `step_up_required` error; its `step_up` detail names the challenge. */
  error: ApiError;
  /** Verification passed: the caller repeats its request with the same idempotency key. */
  onDone?: () => void;
  onCancel?: () => void;
}

interface StepUpDetail {
  challenge_id?: string;
  id?: string;
  verify_url?: string;
  factors?: string[];
  dev_code?: string;
}

function detailOf(error: ApiError): StepUpDetail {
  const raw = (error.details.step_up ?? error.details) as StepUpDetail;
  return typeof raw === 'object' && raw ? raw : {};
}

/** 二次验证: a one-time code plus confirming this device, then the original request continues. */
export function StepUpPanel(props: StepUpPanelProps) {
  const { error, onDone, onCancel } = props;
  const detail = detailOf(error);
  const challengeId = detail.challenge_id ?? detail.id;
  const [code, setCode] = useState(detail.dev_code ?? '');
  const [deviceConfirmed, setDeviceConfirmed] = useState(false);
  const [failure, setFailure] = useState<ErrorView | null>(null);

  const verify = async () => {
    setFailure(null);
    const path = detail.verify_url ?? `/v1/risk/step-ups/${encodeURIComponent(challengeId ?? '')}/verify`;
    const body = { code, device_confirmed: deviceConfirmed };
    try {
      await api.completeStepUp(path, body, idempotencyKeys.keyFor(`step-up:${challengeId}`, body));
      idempotencyKeys.settle(`step-up:${challengeId}`);
      onDone?.();
    } catch (e) {
      setFailure(describeError(e));
    }
  };

  return (
    <View className="fq-stepup" id="step-up">
      <Text className="fq-stepup__title">需要二次验证</Text>
      <Text className="fq-stepup__text">为了您的资金安全，请输入短信验证码并确认这是您本人的设备。</Text>
      <Input
        className="field__input"
        type="number"
        aria-label="验证码"
        placeholder="6 位验证码"
        value={code}
        onInput={(e) => setCode(e.detail.value.replace(/\D/g, '').slice(0, 6))}
      />
      <View
        className="fq-stepup__device"
        role="checkbox"
        aria-checked={deviceConfirmed}
        onClick={() => setDeviceConfirmed(!deviceConfirmed)}
      >
        <Text className="fq-stepup__box">{deviceConfirmed ? '✓' : ''}</Text>
        <Text>这是我本人的设备</Text>
      </View>
      {failure ? <ErrorNotice error={failure} /> : null}
      <View className="actions">
        <SubmitButton onSubmit={verify} disabled={code.length < 4 || !deviceConfirmed}>
          验证并继续
        </SubmitButton>
        <SubmitButton type="default" onSubmit={() => onCancel?.()}>
          取消
        </SubmitButton>
      </View>
    </View>
  );
}
