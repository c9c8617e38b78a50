import { Text, View } from '@tarojs/components';
import './rate-disclosure.scss';

export interface RateDisclosureProps {
  /** All-in annualised rate, formatted ("18.25%"). Shown largest: it is the comparable cost. */
  apr: string;
  monthlyRate: string;
  dailyRate: string;
  /** Optional caption under the APR, e.g. that it includes fees. */
  caption?: string;
}

/** 三率并行: APR (most prominent), monthly and daily rate side by side. */
export function RateDisclosure(props: RateDisclosureProps) {
  const { apr, monthlyRate, dailyRate, caption = '年化利率（含全部利息和费用，按内部收益率计算）' } = props;
  return (
    <View className="fq-rates" data-testid="rate-disclosure">
      <View className="fq-rates__apr">
        <Text className="fq-rates__apr-label">年化利率 APR</Text>
        <Text className="fq-rates__apr-value" id="apr-value">
          {apr}
        </Text>
        <Text className="fq-rates__caption">{caption}</Text>
      </View>
      <View className="fq-rates__minor">
        <View className="fq-rates__item">
          <Text className="fq-rates__label">月利率</Text>
          <Text className="fq-rates__value">{monthlyRate}</Text>
        </View>
        <View className="fq-rates__item">
          <Text className="fq-rates__label">日利率</Text>
          <Text className="fq-rates__value">{dailyRate}</Text>
        </View>
      </View>
    </View>
  );
}
