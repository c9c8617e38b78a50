import { Text, View } from '@tarojs/components';

export interface CostSummaryProps {
  /** The row above the costs: the principal, or what each installment costs. */
  lead?: { label: string; value: string };
  /** Formatted amounts (e.g. "¥1,234.56"): the component shows, it never computes money. */
  totalInterest: string;
  totalFee: string;
  totalAmount: string;
  /** `combined` (default): one row 总利息 / 总费用; `split`: a row each. */
  layout?: 'combined' | 'split';
  /** The amount set in bold: the total to repay (default) or the lead row. */
  emphasis?: 'total' | 'lead';
  /** DOM ids of the interest and total values (anchors for tests). */
  interestId?: string;
  totalId?: string;
}

function Row(props: { label: string; value: string; strong?: boolean; id?: string }) {
  return (
    <View className="kv">
      <Text className="kv__label">{props.label}</Text>
      <Text className={props.strong ? 'kv__value kv__value--strong' : 'kv__value'} id={props.id}>
        {props.value}
      </Text>
    </View>
  );
}

/** The cost block of a loan, a quote or a checkout plan: interest, fees and the total to repay. */
export function CostSummary(props: CostSummaryProps) {
  const { lead, totalInterest, totalFee, totalAmount, layout = 'combined', emphasis = 'total' } = props;
  return (
    <View className="fq-cost-summary" data-testid="cost-summary">
      {lead ? <Row label={lead.label} value={lead.value} strong={emphasis === 'lead'} /> : null}
      {layout === 'split' ? (
        <>
          <Row label="总利息" value={totalInterest} id={props.interestId} />
          <Row label="总费用" value={totalFee} />
        </>
      ) : (
        <Row label="总利息 / 总费用" value={`${totalInterest} / ${totalFee}`} id={props.interestId} />
      )}
      <Row label="应还总额" value={totalAmount} strong={emphasis === 'total'} id={props.totalId} />
    </View>
  );
}
