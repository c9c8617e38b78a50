import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { ScheduleList } from '../../components/schedule-list';
import { StateView } from '../../components/state-view';
import { SubmitButton } from '../../components/submit-button';
import { METHOD_NAMES, money, PRODUCT_NAMES, rates } from '../../domain';
import { installmentRows, LOAN_STATUS, termText } from '../../domain/loan-view';
import { errorActionHandler, go, useDisclosure, useResource } from '../../hooks';
import { api } from '../../services/api';
import { PAGES } from '../../services/errors';
import type { Loan } from '../../services/types';
import './index.scss';

/** Loans with full detail (schedule states), newest first. */
async function loadLoans(): Promise<Loan[]> {
  const list = await api.loans();
  return Promise.all(list.data.map((l) => (l.installments?.length ? l : api.loan(l.id))));
}

export default function Bills() {
  const disclosure = useDisclosure();
  const { data, loading, error, reload } = useResource(loadLoans);
  const [open, setOpen] = useState<Record<string, boolean>>({});

  return (
    <View className="page page-bills">
      <StateView
        loading={loading && !data}
        error={error}
        onErrorAction={errorActionHandler(reload)}
        empty={data?.length === 0}
        emptyText="还没有借款"
        emptyAction={
          <SubmitButton type="default" onSubmit={() => go(PAGES.borrow)}>
            去借款
          </SubmitButton>
        }
      >
        {(data ?? []).map((loan) => {
          const status = LOAN_STATUS[loan.status] ?? { label: loan.status, tone: 'muted' };
          const r = rates(loan);
          return (
            <View className="card bill" key={loan.id} data-testid="loan-card" data-loan-id={loan.id}>
              <View className="bill__head">
                <Text className="bill__title">
                  {PRODUCT_NAMES[loan.product ?? 'cash_loan'] ?? '借款'} · {termText(loan)}
                </Text>
                <Text className={`tag tag--${status.tone}`}>{status.label}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">借款金额</Text>
                <Text className="kv__value kv__value--strong">{money(loan.principal_amount)}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">年化利率</Text>
                <Text className="kv__value bill__apr">{r.apr}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">还款方式</Text>
                <Text className="kv__value">{METHOD_NAMES[loan.method] ?? loan.method}</Text>
              </View>
              <View className="kv">
                <Text className="kv__label">应还总额</Text>
                <Text className="kv__value">{money(loan.total_amount)}</Text>
              </View>
              {loan.status === 'canceled' ? (
                <Text className="muted">冷静期内已免费取消，未产生任何费用。</Text>
              ) : (
                <ScheduleList
                  rows={installmentRows(loan.installments ?? [])}
                  collapsedCount={3}
                  expanded={Boolean(open[loan.id])}
                  onToggle={(v) => setOpen({ ...open, [loan.id]: v })}
                />
              )}
              {loan.status !== 'canceled' ? (
                <View className="actions">
                  <SubmitButton
                    type={loan.status === 'paid_off' ? 'default' : 'primary'}
                    onSubmit={() => go(`${PAGES.repay}?id=${loan.id}`)}
                  >
                    {loan.status === 'paid_off'
                      ? '查看详情'
                      : loan.status === 'cooling_off'
                        ? '查看 / 取消'
                        : '去还款'}
                  </SubmitButton>
                </View>
              ) : null}
            </View>
          );
        })}
      </StateView>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
