import { Switch, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { ErrorNotice } from '../../components/error-notice';
import { StateView } from '../../components/state-view';
import { AUTHORIZATIONS } from '../../domain/authorizations';
import { errorActionHandler, useResource } from '../../hooks';
import { ApiError, api } from '../../services/api';
import { describeError, type ErrorView } from '../../services/errors';
import type { Authorization } from '../../services/types';
import './index.scss';

/** The user's switches, from GET /v1/me or GET /v1/authorizations, named by the shared catalogue. */
async function loadAuthorizations(): Promise<Authorization[]> {
  const me = await api.me();
  let list = Array.isArray(me.authorizations) ? me.authorizations : undefined;
  if (!list) {
    try {
      list = (await api.authorizations()).data;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
      list = [];
    }
  }
  const byKey = new Map(list.map((a) => [a.key, a]));
  return AUTHORIZATIONS.map((c) => {
    const server = byKey.get(c.key);
    return {
      key: c.key,
      name: server?.name ?? c.name,
      purpose: server?.purpose ?? c.purpose,
      granted: Boolean(server?.granted),
    };
  });
}

export default function Authorizations() {
  const { data, loading, error, reload } = useResource(loadAuthorizations);
  const [overrides, setOverrides] = useState<Record<string, boolean>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<ErrorView | null>(null);

  const toggle = async (key: string, enabled: boolean) => {
    if (busy) return;
    setBusy(key);
    setFailure(null);
    try {
      const saved = await api.setAuthorization(key, enabled);
      setOverrides({ ...overrides, [key]: saved.granted ?? enabled });
    } catch (e) {
      setFailure(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  const enabledCount = (data ?? []).filter((a) => overrides[a.key] ?? a.granted).length;

  return (
    <View className="page page-authorizations">
      <View className="card">
        <Text className="card__title">数据授权</Text>
        <Text className="card__sub">
          以下 {AUTHORIZATIONS.length}{' '}
          项都不是借款必需的，每一项都写明了用途，您可以随时关闭，关闭后立即停止使用。 已开启 {enabledCount}{' '}
          项。
        </Text>
        {failure ? <ErrorNotice error={failure} /> : null}
      </View>
      <StateView loading={loading && !data} error={error} onErrorAction={errorActionHandler(reload)}>
        <View className="card auth-list">
          {(data ?? []).map((a) => (
            <View className="auth-item" key={a.key} data-testid={`auth-${a.key}`}>
              <View className="auth-item__text">
                <Text className="auth-item__name">{a.name}</Text>
                <Text className="muted">{a.purpose}</Text>
              </View>
              <Switch
                checked={overrides[a.key] ?? a.granted}
                disabled={busy === a.key}
                onChange={(e) => void toggle(a.key, e.detail.value)}
              />
            </View>
          ))}
        </View>
      </StateView>
    </View>
  );
}
