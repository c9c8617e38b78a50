/**
 * Stand-in for `@tarojs/taro` in component tests. Every API is a `vi.fn` so tests can
 * program responses (`vi.mocked(Taro.request).mockResolvedValueOnce(...)`) and assert calls.
 */
import { vi } from 'vitest';

const storage = new Map<string, unknown>();

export const request = vi.fn(
  async (
    _options: unknown,
  ): Promise<{ statusCode: number; data: unknown; header: Record<string, string> }> => {
    throw new Error('Taro.request not programmed in this test');
  },
);
export const login = vi.fn(async () => ({ code: 'wx-test-code', errMsg: 'login:ok' }));
export const getStorageSync = vi.fn((key: string) => storage.get(key) ?? '');
export const setStorageSync = vi.fn((key: string, value: unknown) => {
  storage.set(key, value);
});
export const removeStorageSync = vi.fn((key: string) => {
  storage.delete(key);
});
export const showToast = vi.fn(async () => ({}));
export const showModal = vi.fn(async () => ({ confirm: true, cancel: false }));
export const navigateTo = vi.fn(async () => ({}));
export const redirectTo = vi.fn(async () => ({}));
export const switchTab = vi.fn(async () => ({}));
export const navigateBack = vi.fn(async () => ({}));
export const getCurrentInstance = vi.fn(() => ({ router: { params: {} as Record<string, string> } }));
export const useRouter = vi.fn(() => ({ params: {} as Record<string, string> }));
export const useDidShow = vi.fn((_fn: () => void) => undefined);
export const usePullDownRefresh = vi.fn((_fn: () => void) => undefined);
export const stopPullDownRefresh = vi.fn();
export const getEnv = vi.fn(() => 'WEB');
export const ENV_TYPE = { WEAPP: 'WEAPP', WEB: 'WEB' };

export function resetStorage() {
  storage.clear();
}

const Taro = {
  request,
  login,
  getStorageSync,
  setStorageSync,
  removeStorageSync,
  showToast,
  showModal,
  navigateTo,
  redirectTo,
  switchTab,
  navigateBack,
  getCurrentInstance,
  useRouter,
  useDidShow,
  usePullDownRefresh,
  stopPullDownRefresh,
  getEnv,
  ENV_TYPE,
};
export default Taro;
