import { Button } from '@tarojs/components';
import { type ReactNode, useRef, useState } from 'react';
import './submit-button.scss';

export interface SubmitButtonProps {
  /** Called on tap; while its promise is pending further taps are ignored. */
  onSubmit?: () => unknown | Promise<unknown>;
  disabled?: boolean;
  /** Extra loading state owned by the parent. */
  loading?: boolean;
  type?: 'primary' | 'default' | 'danger';
  block?: boolean;
  id?: string;
  children?: ReactNode;
}

const defaults = { disabled: false, loading: false, type: 'primary', block: true } as const;

/** A button that cannot submit twice: taps during a pending submission are dropped. */
export function SubmitButton(props: SubmitButtonProps) {
  const { onSubmit, disabled, loading, type, block, id, children } = { ...defaults, ...props };
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const busy = pending || loading;

  const handleClick = async () => {
    if (inFlight.current || disabled || loading || !onSubmit) {
      return;
    }
    inFlight.current = true;
    setPending(true);
    try {
      await onSubmit();
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  return (
    <Button
      id={id}
      className={`fq-submit fq-submit--${type}${block ? ' fq-submit--block' : ''}${busy ? ' fq-submit--busy' : ''}${
        disabled ? ' fq-submit--off' : ''
      }`}
      // Omitted rather than false: Taro's H5 button would render disabled="false", which CSS reads as disabled.
      disabled={disabled || busy ? true : undefined}
      loading={busy ? true : undefined}
      onClick={handleClick}
    >
      {busy ? '处理中…' : children}
    </Button>
  );
}
