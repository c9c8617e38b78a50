import { Text, View } from '@tarojs/components';
import { StateView } from '../../components/state-view';
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

const FACTOR_TEXT: Record<string, string> = {
  debt_to_income: '负债收入比偏高：每月还款占收入的比例越高，分数越低。',
  other_lenders: '在其他机构的借款笔数较多。',
  lender_count: '在其他机构的借款笔数较多。',
  repayment_history: '近期有逾期还款记录。',
  overdue: '当前有逾期未还的账单。',
};

interface Factor {
  key: string;
  text: string;
}

function healthView(me: Me): { score: number | null; factors: Factor[] } {
  const raw = (me.health ?? {}) as Record<string, unknown>;
  const score =
    typeof me.health_score === 'number' ? me.health_score : typeof raw.score === 'number' ? raw.score : null;
  const list = (raw.factors ?? raw.deductions ?? me.health_factors ?? []) as unknown[];
  const factors = Array.isArray(list)
    ? list.map((f, i) => {
        if (typeof f === 'string') return { key: `${i}`, text: FACTOR_TEXT[f] ?? f };
        const o = f as Record<string, unknown>;
        const code = String(o.code ?? o.key ?? i);
        const text = String(o.label_zh ?? o.text ?? o.label ?? o.message ?? FACTOR_TEXT[code] ?? code);
        return { key: code, text };
      })
    : [];
  return { score, factors };
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
