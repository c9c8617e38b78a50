import { Text, View } from '@tarojs/components';
import { DisclosureFooter } from '../../components/disclosure-footer';
import { StateView } from '../../components/state-view';
import { errorActionHandler, go, useDisclosure, useResource } from '../../hooks';
import { api } from '../../services/api';
import { PAGES } from '../../services/errors';
import type { Me } from '../../services/types';
import './index.scss';

const TIER_NAMES: Record<string, string> = { premium: '优质用户', regular: '普通用户', new: '新用户' };

export function healthOf(me: Me): number | null {
  if (typeof me.health_score === 'number') return me.health_score;
  if (me.health && typeof me.health.score === 'number') return me.health.score;
  return null;
}

export function educationPassed(me: Me): boolean {
  return Boolean(me.education_passed ?? me.education?.passed);
}

const LINKS: { label: string; url: string; id: string }[] = [
  { label: '申请额度', url: PAGES.apply, id: 'link-apply' },
  { label: '临时额度', url: PAGES.temporary, id: 'link-temporary' },
  { label: '风险教育与小测验', url: PAGES.education, id: 'link-education' },
  { label: '借贷健康度', url: PAGES.health, id: 'link-health' },
  { label: '数据授权管理', url: PAGES.authorizations, id: 'link-authorizations' },
  { label: '外卖分期演示（合作方）', url: PAGES.partner, id: 'link-partner' },
];

export default function MePage() {
  const disclosure = useDisclosure();
  const { data: me, loading, error, reload } = useResource(() => api.me());
  const health = me ? healthOf(me) : null;

  return (
    <View className="page page-me">
      <StateView loading={loading && !me} error={error} onErrorAction={errorActionHandler(reload)}>
        {me ? (
          <View className="card">
            <Text className="card__title">我的账户</Text>
            <View className="kv">
              <Text className="kv__label">用户等级</Text>
              <Text className="kv__value">{me.tier ? (TIER_NAMES[me.tier] ?? me.tier) : '未评估'}</Text>
            </View>
            <View className="kv">
              <Text className="kv__label">借贷健康度</Text>
              <Text className="kv__value">{health === null ? '未评估' : `${health} 分`}</Text>
            </View>
            <View className="kv">
              <Text className="kv__label">风险教育</Text>
              <Text className={`tag ${educationPassed(me) ? 'tag--ok' : 'tag--warn'}`}>
                {educationPassed(me) ? '已通过' : '未完成'}
              </Text>
            </View>
          </View>
        ) : null}
      </StateView>
      <View className="card me-links">
        {LINKS.map((link) => (
          <View key={link.url} id={link.id} className="me-links__item" onClick={() => go(link.url)}>
            <Text>{link.label}</Text>
            <Text className="muted">›</Text>
          </View>
        ))}
      </View>
      <DisclosureFooter {...disclosure} />
    </View>
  );
}
