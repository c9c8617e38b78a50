import { Text, View } from '@tarojs/components';
import './plan-picker.scss';

/** One choice with its disclosure; every figure is a display string from the domain package. */
export interface PlanOption {
  key: string;
  /** e.g. "6 期" or "12 个月 · 等额本息". */
  title: string;
  /** e.g. "每期 ¥171.23" */
  perInstallment: string;
  apr: string;
  monthlyRate: string;
  dailyRate: string;
  totalAmount: string;
  totalInterest: string;
  totalFee: string;
  /** Extra cost against the cheapest option ("+¥12.34"), or empty for the cheapest itself. */
  extraCost?: string;
  cheapest?: boolean;
  disabled?: boolean;
}

export interface PlanPickerProps {
  options: PlanOption[];
  value?: string;
  onChange?: (key: string) => void;
  disabled?: boolean;
}

/** Radio list of plans (分期方案), each with APR first, then monthly and daily rate and costs. */
export function PlanPicker(props: PlanPickerProps) {
  const { options, value, onChange, disabled = false } = props;
  if (options.length === 0) {
    return (
      <View className="fq-plans fq-plans--empty">
        <Text>暂无可选方案</Text>
      </View>
    );
  }
  return (
    <View className="fq-plans" role="radiogroup">
      {options.map((option) => {
        const selected = option.key === value;
        const off = disabled || option.disabled;
        return (
          <View
            key={option.key}
            role="radio"
            aria-checked={selected}
            aria-disabled={off}
            data-testid={`plan-${option.key}`}
            className={`fq-plan${selected ? ' fq-plan--selected' : ''}${off ? ' fq-plan--disabled' : ''}`}
            onClick={() => {
              if (!off && !selected) onChange?.(option.key);
            }}
          >
            <View className="fq-plan__top">
              <Text className="fq-plan__title">{option.title}</Text>
              <Text className="fq-plan__per">{option.perInstallment}</Text>
            </View>
            <View className="fq-plan__rates">
              <Text className="fq-plan__apr">年化 {option.apr}</Text>
              <Text className="fq-plan__minor">月 {option.monthlyRate}</Text>
              <Text className="fq-plan__minor">日 {option.dailyRate}</Text>
            </View>
            <View className="fq-plan__costs">
              <Text className="fq-plan__cost">利息 {option.totalInterest}</Text>
              <Text className="fq-plan__cost">费用 {option.totalFee}</Text>
              <Text className="fq-plan__cost">共还 {option.totalAmount}</Text>
            </View>
            <Text className={`fq-plan__extra${option.cheapest ? ' fq-plan__extra--best' : ''}`}>
              {option.cheapest ? '总成本最低' : `比最低多付 ${option.extraCost ?? ''}`}
            </Text>
          </View>
        );
      })}
    </View>
  );
}
