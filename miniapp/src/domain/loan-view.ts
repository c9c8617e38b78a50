/**
 * Loan and installment states as the pages label them (no arithmetic: labels and the
 * formatted wire amounts only).
 */
import type { ScheduleRow } from '../components/schedule-list';
import type { Installment, Loan, LoanStatus } from '../services/types';
import { money } from './index';

export const LOAN_STATUS: Record<
  LoanStatus,
  { label: string; tone: 'ok' | 'due' | 'bad' | 'warn' | 'muted' }
> = {
  cooling_off: { label: '冷静期', tone: 'warn' },
  active: { label: '还款中', tone: 'due' },
  overdue: { label: '已逾期', tone: 'bad' },
  paid_off: { label: '已结清', tone: 'ok' },
  canceled: { label: '已取消', tone: 'muted' },
};

const INSTALLMENT_STATUS: Record<string, { label: string; tone: ScheduleRow['statusTone'] }> = {
  paid: { label: '已还', tone: 'ok' },
  partially_paid: { label: '部分已还', tone: 'due' },
  partial: { label: '部分已还', tone: 'due' },
  due: { label: '本期应还', tone: 'due' },
  pending: { label: '待还', tone: 'muted' },
  scheduled: { label: '待还', tone: 'muted' },
  upcoming: { label: '待还', tone: 'muted' },
  overdue: { label: '逾期', tone: 'bad' },
  grace: { label: '宽限期', tone: 'due' },
  canceled: { label: '已取消', tone: 'muted' },
};

export function installmentRows(installments: Installment[]): ScheduleRow[] {
  return installments.map((i) => {
    const status = i.status
      ? (INSTALLMENT_STATUS[i.status] ?? { label: i.status, tone: 'muted' as const })
      : undefined;
    const notes: string[] = [];
    if (i.penalty_amount) notes.push(`罚息 ${money(i.penalty_amount)}`);
    if (i.grace_until) notes.push(`宽限至 ${i.grace_until.slice(0, 10)}`);
    if (i.paid_amount && i.status !== 'paid') notes.push(`已还 ${money(i.paid_amount)}`);
    return {
      number: i.number,
      dueDate: i.due_date,
      amount: money(i.amount),
      principal: money(i.principal_amount),
      interest: money(i.interest_amount),
      fee: money(i.fee_amount),
      ...(status ? { statusLabel: status.label, statusTone: status.tone } : {}),
      ...(notes.length ? { note: notes.join(' · ') } : {}),
    };
  });
}

export function termText(loan: Loan): string {
  if (loan.term_months) return `${loan.term_months}个月`;
  if (loan.term_days) return `${loan.term_days}天`;
  return `${loan.installments?.length ?? 0}期`;
}
