import { Text, View } from '@tarojs/components';
import type { ErrorView } from '../../services/errors';
import './error-notice.scss';

export interface ErrorNoticeProps {
  error: ErrorView;
  /** The person tapped the next-step button (navigate / retry / step-up). */
  onAction?: (error: ErrorView) => void;
  onClose?: () => void;
}

/** A refusal or failure in words a person understands, with the one thing to do next. */
export function ErrorNotice(props: ErrorNoticeProps) {
  const { error, onAction, onClose } = props;
  return (
    <View className="fq-error" role="alert" data-code={error.code}>
      <View className="fq-error__head">
        <Text className="fq-error__title">{error.title}</Text>
        {onClose ? (
          <Text className="fq-error__close" onClick={onClose}>
            ×
          </Text>
        ) : null}
      </View>
      <Text className="fq-error__message">{error.message}</Text>
      {error.requestId ? <Text className="fq-error__rid">请求编号 {error.requestId}</Text> : null}
      {error.next.kind !== 'none' ? (
        <View className="fq-error__action" onClick={() => onAction?.(error)}>
          <Text>{error.next.label}</Text>
        </View>
      ) : null}
    </View>
  );
}
