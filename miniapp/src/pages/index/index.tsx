import { Text, View } from '@tarojs/components';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { StateView } from '../../components/state-view';
import { SubmitButton } from '../../components/submit-button';
import { money } from '../../domain';
import { beijingTime } from '../../domain/time';
import { errorActionHandler, go, useDisclosure, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { PAGES } from '../../services/errors';
import type { CreditLine, Installment, Loan } from '../../services/types';
import './index.scss';

interface HomeData {
  line: CreditLine | null;
  nextBill: { loan: Loan; installment: Installment } | null;
}

/** A line that does not exist yet is a state of the page, not an error. */
async function loadLine(): Promise<CreditLine | null> {
  try {
    return await api.creditLine();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.code.includes('credit_line')))
      return null;
    throw error;
  }
}

export function nextBillOf(loans: Loan[]): HomeData['nextBill'] {
  let best: HomeData['nextBill'] = null;
  for (const loan of loans) {
    if (loan.status !== 'active' && loan.status !== 'overdue') continue;
    const due = loan.installments?.find((i) => i.status !== 'paid' && i.status !== 'waived');
    if (due && (!best || due.due_date < best.installment.due_date)) best = { loan, installment: due };
  }
  return best;
}

const ENTRIES: { label: string; url: string; id: string }[] = [
  { label: '借款', url: PAGES.borrow, id: 'entry-borrow' },
  { label: '账单', url: PAGES.bills, id: 'entry-bills' },
  { label: '临时额度', url: PAGES.temporary, id: 'entry-temporary' },
  { label: '风险教育', url: PAGES.education, id: 'entry-education' },
  { label: '借贷健康度', url: PAGES.health, id: 'entry-health' },
  { label: '数据授权', url: PAGES.authorizations, id: 'entry-authorizations' },
  { label: '外卖分期演示', url: PAGES.partner, id: 'entry-partner' },
];

export default function Home() {
  const disclosure = useDisclosure();
  const { data, loading, error, reload } = useResource<HomeData>(async () => {
    const line = await loadLine();
    const loans = line ? (await api.loans()).data : [];
    return { line, nextBill: nextBillOf(loans) };
  });
  const line = data?.line;

  return (
    <View className="page page-home">
      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        {line ? (
          <View className="card home-line" id="credit-line">
            <Text className="home-line__label">可用额度（元）</Text>
            <Text className="home-line__available" id="available-amount">
              {money(line.available_amount)}
            </Text>
            {line.frozen ? (
              <View className="notice">
                <Text className="notice__title">额度已冻结</Text>
                <Text>出于风险控制，您的额度暂时冻结，暂不能借款。</Text>
              </View>
            ) : null}
            <View className="home-line__grid">
              <View className="home-line__cell">
                <Text className="muted">基础额度</Text>
                <Text className="home-line__num">{money(line.base_limit_amount)}</Text>
              </View>
              <View className="home-line__cell">
                <Text className="muted">已用</Text>
                <Text className="home-line__num">{money(line.used_amount)}</Text>
              </View>
              <View className="home-line__cell">
                <Text className="muted">临时额度</Text>
                <Text className="home-line__num">{money(line.temporary_limit_amount)}</Text>
              </View>
            </View>
            {line.temporary_limit_amount > 0 && line.temporary_expires_at ? (
              <Text className="muted">临时额度有效期至 {beijingTime(line.temporary_expires_at)}</Text>
            ) : null}
            {line.held_amount > 0 ? (
              <Text className="muted">分期订单占用 {money(line.held_amount)}</Text>
            ) : null}
            <View className="actions">
              <SubmitButton id="go-borrow" disabled={line.frozen} onSubmit={() => go(PAGES.borrow)}>
                去借款
              </SubmitButton>
            </View>
          </View>
        ) : (
          <View className="card home-line" id="no-credit-line">
            <Text className="card__title">还没有额度</Text>
            <Text className="muted">填写月收入、完成授权即可获得额度，额度 500 – 200,000 元。</Text>
            <View className="actions">
              <SubmitButton id="go-apply" onSubmit={() => go(PAGES.apply)}>
                申请额度
              </SubmitButton>
            </View>
          </View>
        )}

        {data?.nextBill ? (
          <View
            className="card"
            id="next-bill"
            onClick={() => go(`${PAGES.repay}?id=${data.nextBill!.loan.id}`)}
          >
            <Text className="card__title">近期待还</Text>
            <View className="kv">
              <Text className="kv__label">{data.nextBill.installment.due_date} 应还</Text>
              <Text className="kv__value kv__value--strong">{money(data.nextBill.installment.amount)}</Text>
            </View>
            <Text className="muted">
              第 {data.nextBill.installment.number} 期 ·{' '}
              {data.nextBill.installment.status === 'overdue' ? '已逾期' : '待还'}
            </Text>
          </View>
        ) : null}
      </StateView>

      <View className="card home-entries">
        {ENTRIES.map((entry) => (
          <View key={entry.url} id={entry.id} className="home-entries__item" onClick={() => go(entry.url)}>
            <Text>{entry.label}</Text>
          </View>
        ))}
      </View>

      <DisclosureFooter {...disclosure} />
    </View>
  );
}
