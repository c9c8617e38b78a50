import Taro, { useDidShow } from '@tarojs/taro';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../services/api';
import {
  describeError,
  type ErrorView,
  PAGES,
  type PasswordPrompt,
  passwordPromptOf,
} from '../services/errors';
import type { Disclosure, ProductsResponse } from '../services/types';

export interface Resource<T> {
  data: T | undefined;
  loading: boolean;
  error: ErrorView | null;
  reload: () => Promise<void>;
}

/** Loads on mount and each time the page is shown again; keeps old data while refreshing. */
export function useResource<T>(load: () => Promise<T>, deps: unknown[] = []): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorView | null>(null);
  const mounted = useRef(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depsKey = JSON.stringify(deps);
  const reload = useCallback(async () => {
    setError(null);
    try {
      setData(await loadRef.current());
    } catch (cause) {
      setError(describeError(cause));
    } finally {
      setLoading(false);
    }
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload again when the caller's inputs change
  useEffect(() => {
    setLoading(true);
    void reload().then(() => {
      mounted.current = true;
    });
  }, [reload, depsKey]);
  useDidShow(() => {
    if (mounted.current) void reload();
  });
  return { data, loading, error, reload };
}

let productsPromise: Promise<ProductsResponse> | undefined;

/** The product catalogue with the disclosure block, fetched once per app session. */
export function loadProducts(): Promise<ProductsResponse> {
  if (!productsPromise) {
    productsPromise = api.products().catch((error: unknown) => {
      productsPromise = undefined;
      throw error;
    });
  }
  return productsPromise;
}

export interface DisclosureText {
  institution?: string;
  licenceNumber?: string;
  complaintChannel?: string;
}

export function disclosureText(d: Disclosure | undefined): DisclosureText {
  if (!d) return {};
  const pick = (...keys: string[]) => {
    for (const key of keys) {
      const v = d[key];
      if (typeof v === 'string' && v) return v;
    }
    return undefined;
  };
  const out: DisclosureText = {};
  const institution = pick('institution_name', 'licensed_institution', 'institution', 'lender_name', 'name');
  const licenceNumber = pick('license_number', 'licence_number', 'license_no', 'licence');
  const channel = d.complaint_channel;
  const complaintChannel =
    channel && typeof channel === 'object'
      ? complaintText(channel as Record<string, unknown>)
      : pick('complaint_channel', 'complaint_phone', 'complaint_hotline', 'complaints');
  if (institution) out.institution = institution;
  if (licenceNumber) out.licenceNumber = licenceNumber;
  if (complaintChannel) out.complaintChannel = complaintChannel;
  return out;
}

/** `{ phone, regulator_hotline, url }` → "客服 400-000-0000 · 监管投诉 12378 · https://…". */
function complaintText(c: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  if (typeof c.phone === 'string') parts.push(`客服电话 ${c.phone}`);
  if (typeof c.regulator_hotline === 'string') parts.push(`监管投诉 ${c.regulator_hotline}`);
  if (typeof c.url === 'string') parts.push(c.url);
  if (typeof c.email === 'string') parts.push(c.email);
  return parts.length ? parts.join(' · ') : undefined;
}

/** The disclosure footer's text for every product page. */
export function useDisclosure(): DisclosureText {
  const [text, setText] = useState<DisclosureText>({});
  useEffect(() => {
    loadProducts()
      .then((p) => setText(disclosureText(p.disclosure)))
      .catch(() => undefined);
  }, []);
  return text;
}

const TAB_PAGES: string[] = [PAGES.home, PAGES.borrow, PAGES.bills, PAGES.me];

/** Opens a page: tab pages with switchTab, others with navigateTo. */
export function go(url: string): void {
  const path = url.split('?')[0] ?? url;
  if (TAB_PAGES.includes(path)) {
    void Taro.switchTab({ url: path });
  } else {
    void Taro.navigateTo({ url });
  }
}

/** The default handling of an error's next step: navigate, or run `retry`. */
export function errorActionHandler(retry?: () => void) {
  return (error: ErrorView) => {
    if (error.next.kind === 'navigate') go(error.next.url);
    else if (error.next.kind === 'retry') retry?.();
  };
}

export interface PaymentPasswordGate {
  /** Shown while the API waits for the 交易密码 (null: no prompt). */
  prompt: PasswordPrompt | null;
  /**
   * True when `error` asks for the password: the prompt opens and the action keeps its key.
   * Any other error closes the prompt (the caller handles it).
   */
  ask: (error: unknown) => boolean;
  close: () => void;
}

/** The state of the one 交易密码 prompt of a borrow or checkout page. */
export function usePaymentPasswordGate(): PaymentPasswordGate {
  const [prompt, setPrompt] = useState<PasswordPrompt | null>(null);
  const ask = useCallback((error: unknown) => {
    const next = passwordPromptOf(error);
    setPrompt(next);
    return next !== null;
  }, []);
  const close = useCallback(() => setPrompt(null), []);
  return { prompt, ask, close };
}
