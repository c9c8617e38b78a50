/// <reference lib="dom" />
/**
 * Browser-test harness: the local stack (same handler as Vercel) on a fresh database serving
 * the H5 build, and headless Debian Chromium driven by playwright-core.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, serverTestUrl, type TestDatabase } from '@fenqi/db';
import { loadConfig, seedDemo } from '@fenqi/functions';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type LocalServer, startLocalServer } from '../../functions/src/local-server';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const H5_DIR = join(REPO_ROOT, 'miniapp', 'dist', 'h5');
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** Why the suite cannot run here, or undefined when it can. */
export function skipReason(): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} is missing (apt-get install -y chromium)`;
  if (!existsSync(join(H5_DIR, 'index.html')))
    return 'miniapp/dist/h5 is missing: run `npm run build:h5` first';
  return undefined;
}

export interface Stack {
  url: string;
  database: TestDatabase;
  server: LocalServer;
  browser: Browser;
  dataDir: string;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const database = await createTestDatabase(serverTestUrl() ? 'server' : 'pglite');
  const config = loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv);
  const dataDir = mkdtempSync(join(tmpdir(), 'fenqi-browser-'));
  await seedDemo({ database, config, dataDir });
  // Serve a private copy: another build may rewrite miniapp/dist/h5 while the suite runs.
  const staticDir = join(dataDir, 'h5');
  cpSync(H5_DIR, staticDir, { recursive: true });
  const server = await startLocalServer({ port: 0, database, config, staticDir, log: () => undefined });
  // playwright-core itself gives every launch a new temporary --user-data-dir (it refuses the flag).
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    url: server.url,
    database,
    server,
    browser,
    dataDir,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await database.drop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A phone-sized page logged in as a brand-new dev user (`?user=` → `dev:<name>`). */
export async function newPhone(stack: Stack, user: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${stack.url}/?user=${encodeURIComponent(user)}#/pages/index/index`);
  return { context, page };
}

/** Opens a page by URL with a fresh load of the app (as a shared link or a reload would). */
export async function open(page: Page, stack: Stack, path: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${stack.url}/#${path}`);
}

/** Types into a Taro Input (`taro-input-core` wraps a real `<input>`). */
export async function fill(page: Page, id: string, value: string): Promise<void> {
  await page.locator(`#${id}`).first().waitFor();
  const inner = page.locator(`#${id} input`);
  const target = (await inner.count()) > 0 ? inner.first() : page.locator(`input#${id}`).first();
  await target.fill(value);
}

/**
 * A screenshot of the whole page: Taro's H5 page is its own scroll container, so the viewport
 * is stretched to the content's height for the picture and restored afterwards.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(150);
  const viewport = page.viewportSize() ?? { width: 375, height: 812 };
  const extra = await page.evaluate(() => {
    let extraPx = 0;
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('.taro_page'))) {
      if (getComputedStyle(el).display === 'none' || el.getBoundingClientRect().width === 0) continue;
      extraPx = Math.max(extraPx, el.scrollHeight - el.clientHeight);
    }
    return extraPx;
  });
  if (extra > 0)
    await page.setViewportSize({ width: viewport.width, height: Math.min(viewport.height + extra, 6000) });
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
  if (extra > 0) await page.setViewportSize(viewport);
}

/** The session token of a dev user, for checking the UI against the API from the test. */
export async function apiSession(stack: Stack, user: string): Promise<string> {
  const res = await fetch(`${stack.url}/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: `dev:${user}` }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function apiCall<T>(
  stack: Stack,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(method === 'POST' ? { 'idempotency-key': `test-${path}-${JSON.stringify(body)}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Elements whose content is wider than their box (text overflowing its container). */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const text = (el.childElementCount === 0 ? el.textContent : '')?.trim() ?? '';
      if (r.right > width + 1 && text) out.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 40)}`);
    }
    return out;
  });
}

/** Computed font sizes (px) of the APR and of the monthly and daily rate values. */
export async function rateFontSizes(page: Page): Promise<{ apr: number; minor: number[] }> {
  return page.evaluate(() => {
    const size = (el: Element | null) => (el ? Number.parseFloat(getComputedStyle(el).fontSize) : 0);
    const block = document.querySelector('[data-testid="rate-disclosure"]') ?? document.body;
    return {
      apr: size(block.querySelector('.fq-rates__apr-value')),
      minor: Array.from(block.querySelectorAll('.fq-rates__value')).map(size),
    };
  });
}
