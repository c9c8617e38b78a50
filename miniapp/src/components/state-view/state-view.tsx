import { Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import type { ErrorView } from '../../services/errors';
import { ErrorNotice } from '../error-notice';
import './state-view.scss';

export interface StateViewProps {
  loading?: boolean;
  error?: ErrorView | null;
  empty?: boolean;
  emptyText?: string;
  /** Shown under the empty text, e.g. a button to the borrow page. */
  emptyAction?: ReactNode;
  onErrorAction?: (error: ErrorView) => void;
  children?: ReactNode;
}

/** Loading → error → empty → content, the same way on every page. */
export function StateView(props: StateViewProps) {
  const {
    loading = false,
    error = null,
    empty = false,
    emptyText = '暂无数据',
    emptyAction,
    onErrorAction,
    children,
  } = props;
  if (loading) {
    return (
      <View className="fq-state fq-state--loading" aria-busy="true">
        <Text>加载中…</Text>
      </View>
    );
  }
  if (error) {
    return <ErrorNotice error={error} onAction={onErrorAction} />;
  }
  if (empty) {
    return (
      <View className="fq-state fq-state--empty">
        <Text className="fq-state__text">{emptyText}</Text>
        {emptyAction}
      </View>
    );
  }
  return <>{children}</>;
}
