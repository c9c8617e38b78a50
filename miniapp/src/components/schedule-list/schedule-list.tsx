import { Text, View } from '@tarojs/components';
import './schedule-list.scss';

/** One installment, every amount already formatted by the domain package. */
export interface ScheduleRow {
  number: number;
  dueDate: string;
  amount: string;
  principal: string;
  interest: string;
  fee: string;
  /** e.g. "已还", "待还", "逾期"; omitted on a trial calculation. */
  statusLabel?: string;
  statusTone?: 'ok' | 'due' | 'bad' | 'muted';
  /** Extra line (penalty, grace, paid so far). */
  note?: string;
}

export interface ScheduleListProps {
  rows: ScheduleRow[];
  /** Show at most this many rows until "展开全部" is tapped (0 = all). */
  collapsedCount?: number;
  expanded?: boolean;
  onToggle?: (expanded: boolean) => void;
  showFee?: boolean;
}

/** Repayment schedule (还款计划): one line per installment with its split. */
export function ScheduleList(props: ScheduleListProps) {
  const { rows, collapsedCount = 0, expanded = false, onToggle, showFee = true } = props;
  const visible = collapsedCount > 0 && !expanded ? rows.slice(0, collapsedCount) : rows;
  return (
    <View className="fq-schedule" data-testid="schedule">
      <View className="fq-schedule__head">
        <Text className="fq-schedule__c-no">期</Text>
        <Text className="fq-schedule__c-date">还款日</Text>
        <Text className="fq-schedule__c-split">本金 / 利息{showFee ? ' / 费用' : ''}</Text>
        <Text className="fq-schedule__c-amount">应还</Text>
      </View>
      {visible.map((row) => (
        <View className="fq-schedule__row" key={row.number} data-testid="schedule-row">
          <Text className="fq-schedule__c-no">{row.number}</Text>
          <View className="fq-schedule__c-date">
            <Text className="fq-schedule__date">{row.dueDate}</Text>
            {row.statusLabel ? (
              <Text className={`fq-schedule__status fq-schedule__status--${row.statusTone ?? 'muted'}`}>
                {row.statusLabel}
              </Text>
            ) : null}
          </View>
          <View className="fq-schedule__c-split">
            <Text className="fq-schedule__num">{row.principal}</Text>
            <Text className="fq-schedule__num">{row.interest}</Text>
            {showFee ? <Text className="fq-schedule__num">{row.fee}</Text> : null}
          </View>
          <View className="fq-schedule__c-amount">
            <Text className="fq-schedule__amount">{row.amount}</Text>
            {row.note ? <Text className="fq-schedule__note">{row.note}</Text> : null}
          </View>
        </View>
      ))}
      {collapsedCount > 0 && rows.length > collapsedCount ? (
        <View className="fq-schedule__toggle" onClick={() => onToggle?.(!expanded)}>
          <Text>{expanded ? '收起' : `展开全部 ${rows.length} 期`}</Text>
        </View>
      ) : null}
    </View>
  );
}
