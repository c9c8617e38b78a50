import { Input, Text, View } from '@tarojs/components';
import './borrow-form.scss';

export interface ChoiceOption {
  value: string;
  label: string;
  /** Small text under the label (e.g. "免息 30 天"). */
  hint?: string;
  disabled?: boolean;
}

export interface BorrowFormValue {
  product: string;
  /** What the person typed, in yuan ("5000" or "5000.5"); parsed by the page with the domain package. */
  amountText: string;
  term: string;
  method: string;
}

export interface BorrowFormProps {
  value: BorrowFormValue;
  products: ChoiceOption[];
  terms: ChoiceOption[];
  methods: ChoiceOption[];
  /** e.g. "可借 500.00元 – 50,000.00元". */
  amountHint?: string;
  amountError?: string;
  disabled?: boolean;
  onChange?: (value: BorrowFormValue) => void;
}

const AMOUNT_TEXT_RE = /^\d{0,9}(\.\d{0,2})?$/;

function Choices(props: {
  name: string;
  options: ChoiceOption[];
  selected: string;
  disabled: boolean;
  onSelect: (value: string) => void;
}) {
  const { name, options, selected, disabled, onSelect } = props;
  return (
    <View className="fq-borrow__choices" role="radiogroup" aria-label={name}>
      {options.map((option) => {
        const off = disabled || option.disabled;
        const on = option.value === selected;
        return (
          <View
            key={option.value}
            role="radio"
            aria-checked={on}
            aria-disabled={off}
            data-testid={`${name}-${option.value}`}
            className={`fq-borrow__chip${on ? ' fq-borrow__chip--on' : ''}${off ? ' fq-borrow__chip--off' : ''}`}
            onClick={() => {
              if (!off && !on) onSelect(option.value);
            }}
          >
            <Text className="fq-borrow__chip-label">{option.label}</Text>
            {option.hint ? <Text className="fq-borrow__chip-hint">{option.hint}</Text> : null}
          </View>
        );
      })}
    </View>
  );
}

/** 借款表单: product, amount in yuan, term and repayment method. Holds no state of its own. */
export function BorrowForm(props: BorrowFormProps) {
  const { value, products, terms, methods, amountHint, amountError, disabled = false, onChange } = props;
  const update = (patch: Partial<BorrowFormValue>) => onChange?.({ ...value, ...patch });

  return (
    <View className="fq-borrow">
      <Text className="fq-borrow__label">借款产品</Text>
      <Choices
        name="product"
        options={products}
        selected={value.product}
        disabled={disabled}
        onSelect={(product) => update({ product })}
      />

      <Text className="fq-borrow__label">借款金额（元）</Text>
      <View className={`fq-borrow__amount${amountError ? ' fq-borrow__amount--error' : ''}`}>
        <Text className="fq-borrow__currency">¥</Text>
        <Input
          id="borrow-amount"
          className="fq-borrow__input"
          type="digit"
          aria-label="借款金额"
          placeholder="请输入金额"
          value={value.amountText}
          disabled={disabled}
          onInput={(event) => {
            const text = event.detail.value.trim();
            // Only digits with at most two decimals reach the page; anything else is ignored.
            if (AMOUNT_TEXT_RE.test(text)) update({ amountText: text });
          }}
        />
      </View>
      {amountError ? (
        <Text className="fq-borrow__error" data-testid="amount-error">
          {amountError}
        </Text>
      ) : amountHint ? (
        <Text className="fq-borrow__hint">{amountHint}</Text>
      ) : null}

      <Text className="fq-borrow__label">借款期限</Text>
      <Choices
        name="term"
        options={terms}
        selected={value.term}
        disabled={disabled}
        onSelect={(term) => update({ term })}
      />

      <Text className="fq-borrow__label">还款方式</Text>
      <Choices
        name="method"
        options={methods}
        selected={value.method}
        disabled={disabled}
        onSelect={(method) => update({ method })}
      />
    </View>
  );
}
