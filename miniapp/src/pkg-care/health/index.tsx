import { Text, View } from '@tarojs/components';
import { StateView } from '../../components/state-view';
import { money } from '../../domain';
import { errorActionHandler, useResource } from '../../hooks';
import { api } from '../../services/api';
import type { Me } from '../../services/types';
import './index.scss';

const LESSONS = [
  { title: '第 1 课：记一本明白账', text: '列出每月固定收入和必要支出，算出真正可以用来还款的钱。' },
  { title: '第 2 课：债务雪球', text: '先还利率最高的一笔，再依次处理其他借款，避免以贷养贷。' },
  { title: '第 3 课：看懂年化利率', text: '只比较 APR（含全部费用的年化成本），别被“日息低”误导。' },
  { title: '第 4 课：留好应急金', text: '存下 3 个月的生活费，遇到意外时不必借新还旧。' },
];

interface Factor {
  key: string;
  text: string;
}

/** What lowers this person's score, in words, from the server's factors (no arithmetic). */
export function factorTexts(me: Me): Factor[] {
  const f = me.health?.factors;
  if (!f) return [];
  const out: Factor[] = [];
  if (f.monthly_debt_payment && f.monthly_income)
    out.push({
      key: 'dti',
      text: `负债收入比：每月还款 ${money(f.monthly_debt_payment)}，月收入 ${money(f.monthly_income)}。还款占收入比例越高，分数越低。`,
    });
  if (f.other_lenders)
    out.push({ key: 'lenders', text: `在其他机构还有 ${f.other_lenders} 笔借款（多头借贷）。` });
  if (f.late_installments_12m)
    out.push({ key: 'late', text: `近 12 个月有 ${f.late_installments_12m} 期逾期还款。` });
  if (f.currently_overdue) out.push({ key: 'overdue', text: '当前有逾期未还的账单，请尽快还款。' });
  if (f.no_history) out.push({ key: 'new', text: '还没有借还记录，按时还款会让分数更可靠。' });
  return out;
}

function healthView(me: Me): { score: number | null; factors: Factor[] } {
  const score =
    typeof me.health_score === 'number'
      ? me.health_score
      : typeof me.health?.score === 'number'
        ? me.health.score
        : null;
  return { score, factors: factorTexts(me) };
}

export default function Health() {
  const { data: me, loading, error, reload } = useResource(() => api.me());
  const view = me ? healthView(me) : null;
  const score = view?.score ?? null;
  const band = score === null ? null : score >= 80 ? 'safe' : score >= 60 ? 'caution' : 'blocked';

  return (
    <View className="page page-health">
      <StateView loading={loading && !me} error={error} onErrorAction={errorActionHandler(reload)}>
        {view ? (
          <View className="card health-score" id="health-score">
            <Text className="muted">借贷健康度（0 – 100）</Text>
            <Text className={`health-score__value health-score__value--${band ?? 'none'}`}>
              {score ?? '—'}
            </Text>
            <Text className="health-score__band">
              {band === 'safe'
                ? '健康：负债水平安全'
                : band === 'caution'
                  ? '注意：负债偏高，借款请量力而行'
                  : band === 'blocked'
                    ? '低于 60 分：为保护您，暂不能借款'
                    : '申请额度后评估'}
            </Text>
          </View>
        ) : null}
        <View className="card">
          <Text className="card__title">什么会拉低分数</Text>
          {view && view.factors.length > 0 ? (
            view.factors.map((f) => (
              <Text className="health-factor" key={f.key}>
                · {f.text}
              </Text>
            ))
          ) : (
            <>
              <Text className="health-factor">· 负债收入比：每月还款占收入比例越高，分数越低。</Text>
              <Text className="health-factor">· 多头借贷：在其他机构借款的笔数越多，分数越低。</Text>
              <Text className="health-factor">· 还款记录：逾期会明显拉低分数，按时还款会慢慢恢复。</Text>
            </>
          )}
        </View>
        <View className="card" id="lessons">
          <Text className="card__title">{band === 'blocked' ? '为您推荐的理财规划课' : '理财规划课'}</Text>
          {LESSONS.map((l) => (
            <View className="health-lesson" key={l.title}>
              <Text className="health-lesson__title">{l.title}</Text>
              <Text className="muted">{l.text}</Text>
            </View>
          ))}
        </View>
      </StateView>
    </View>
  );
}
