import { Input, Text, View } from '@tarojs/components';
import { useEffect, useState } from 'react';
import { type ApiError, api, deviceId } from '../../services/api';
import { describeError, type ErrorView } from '../../services/errors';
import { idempotencyKeys } from '../../services/idempotency';
import { ErrorNotice } from '../error-notice';
import { SubmitButton } from '../submit-button';
import './step-up-panel.scss';

export interface StepUpPanelProps {
  /** The `step_up_required` error; `step_up.challenge_id` names the challenge. */
  error: ApiError;
  /** Verification passed: the caller repeats its request with the same idempotency key. */
  onDone?: () => void;
  onCancel?: () => void;
}

function challengeIdOf(error: ApiError): string | undefined {
  const stepUp = error.details.step_up as { challenge_id?: string | null } | undefined;
  return stepUp?.challenge_id ?? undefined;
}

const CODE_RE = /^\d{6}$/;

/** 二次验证: a one-time code and a code confirmed on this device; then the paused request runs once. */
export function StepUpPanel(props: StepUpPanelProps) {
  const { error, onDone, onCancel } = props;
  const challengeId = challengeIdOf(error);
  const [otp, setOtp] = useState('');
  const [deviceCode, setDeviceCode] = useState('');
  const [failure, setFailure] = useState<ErrorView | null>(null);

  useEffect(() => {
    if (!challengeId) return;
    api
      .stepUpChallenge(challengeId, deviceId())
      .then((c) => {
        // dev/test builds: the server shows what the SMS and device adapters would deliver.
        if (c.dev_delivery?.otp_code) setOtp(c.dev_delivery.otp_code);
        if (c.dev_delivery?.device_code) setDeviceCode(c.dev_delivery.device_code);
      })
      .catch(() => undefined);
  }, [challengeId]);

  const verify = async () => {
    if (!challengeId) return;
    setFailure(null);
    const body = { challenge_id: challengeId, otp_code: otp, device_id: deviceId(), device_code: deviceCode };
    const scope = `step-up:${challengeId}`;
    try {
      await api.completeStepUp(body, idempotencyKeys.keyFor(scope, body));
      idempotencyKeys.settle(scope);
      onDone?.();
    } catch (e) {
      idempotencyKeys.settle(scope);
      setFailure(describeError(e));
    }
  };

  return (
    <View className="fq-stepup" id="step-up">
      <Text className="fq-stepup__title">需要二次验证</Text>
      <Text className="fq-stepup__text">
        为了您的资金安全，请输入短信验证码，并输入本机“设备确认”中显示的 6
        位码。验证通过后将继续刚才的操作，不会重复扣款。
      </Text>
      {challengeId ? (
        <>
          <Text className="field__label">短信验证码</Text>
          <Input
            id="step-up-otp"
            className="field__input"
            type="number"
            placeholder="6 位数字"
            value={otp}
            onInput={(e) => setOtp(e.detail.value.replace(/\D/g, '').slice(0, 6))}
          />
          <Text className="field__label">设备确认码</Text>
          <Input
            id="step-up-device"
            className="field__input"
            type="number"
            placeholder="6 位数字"
            value={deviceCode}
            onInput={(e) => setDeviceCode(e.detail.value.replace(/\D/g, '').slice(0, 6))}
          />
        </>
      ) : (
        <Text className="fq-stepup__text">验证暂时无法发起，请稍后重试或联系客服。</Text>
      )}
      {failure ? <ErrorNotice error={failure} /> : null}
      <View className="actions">
        <SubmitButton
          id="step-up-verify"
          onSubmit={verify}
          disabled={!challengeId || !CODE_RE.test(otp) || !CODE_RE.test(deviceCode)}
        >
          验证并继续
        </SubmitButton>
        <SubmitButton type="default" onSubmit={() => onCancel?.()}>
          取消
        </SubmitButton>
      </View>
    </View>
  );
}
