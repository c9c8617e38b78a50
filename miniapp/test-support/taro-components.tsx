/**
 * Minimal stand-ins for `@tarojs/components` in jsdom component tests: each renders the
 * nearest plain element and translates DOM events into Taro's `{ detail: { value } }` shape.
 */
import type { ReactNode } from 'react';

interface BaseProps {
  className?: string;
  id?: string;
  style?: Record<string, string | number> | string;
  children?: ReactNode;
  onClick?: (event: unknown) => void;
  [key: string]: unknown;
}

function pick(props: BaseProps) {
  const { className, id, children, onClick } = props;
  const dataProps = Object.fromEntries(
    Object.entries(props).filter(
      ([key]) => key.startsWith('data-') || key.startsWith('aria-') || key === 'role',
    ),
  );
  return { className, id, children, onClick, ...dataProps } as Record<string, unknown>;
}

export function View(props: BaseProps) {
  return <div {...pick(props)} />;
}
export function Text(props: BaseProps) {
  return <span {...pick(props)} />;
}
export function Label(props: BaseProps) {
  return <span {...pick(props)} />;
}
export function ScrollView(props: BaseProps) {
  return <div {...pick(props)} />;
}
export function Image(props: BaseProps & { src?: string }) {
  return <img alt="" src={props.src} className={props.className} />;
}
export function Video(props: BaseProps) {
  return <div className={props.className} data-testid="video" />;
}
export function Button(props: BaseProps & { disabled?: boolean; loading?: boolean }) {
  const { disabled, loading } = props;
  return (
    <button
      type="button"
      {...pick(props)}
      disabled={Boolean(disabled)}
      aria-busy={loading ? 'true' : undefined}
    />
  );
}
export function Input(
  props: BaseProps & {
    value?: string;
    type?: string;
    placeholder?: string;
    disabled?: boolean;
    onInput?: (event: { detail: { value: string } }) => void;
    onBlur?: (event: { detail: { value: string } }) => void;
  },
) {
  return (
    <input
      id={props.id}
      className={props.className}
      value={props.value ?? ''}
      placeholder={props.placeholder}
      disabled={props.disabled}
      aria-label={props['aria-label'] as string | undefined}
      onInput={(event) => props.onInput?.({ detail: { value: (event.target as HTMLInputElement).value } })}
      onChange={() => undefined}
      onBlur={(event) => props.onBlur?.({ detail: { value: (event.target as HTMLInputElement).value } })}
    />
  );
}
export function Switch(
  props: BaseProps & {
    checked?: boolean;
    disabled?: boolean;
    onChange?: (event: { detail: { value: boolean } }) => void;
  },
) {
  return (
    <input
      type="checkbox"
      role="switch"
      aria-checked={Boolean(props.checked)}
      id={props.id}
      aria-label={props['aria-label'] as string | undefined}
      checked={Boolean(props.checked)}
      disabled={props.disabled}
      onChange={(event) => props.onChange?.({ detail: { value: event.target.checked } })}
    />
  );
}
