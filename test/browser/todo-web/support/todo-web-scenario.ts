// The todo-web example (examples/todo-web) as a user meets it: its Vite dev server, the reference
// server behind a TCP proxy (so a test can take the server away), and the run's Chromium. Tests drive
// the app through its UI only and check the server's rows.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { ServerOptions, SyncServer } from '../../../../examples/server/start-server.ts';
import { todoWebConfig } from '../../../../examples/todo-web/vite.config.ts';
import { startFaultProxy, type FaultProxy } from '../../../helpers/fault-proxy.ts';
import { startLaneServer, type LaneServer } from '../../../helpers/server-lanes.ts';
import { createTestUser, type TestUser } from '../../../integration/support/lifecycle-server.ts';

/** Screenshots of every step go here (gitignored; CI keeps the folder as an artefact). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/todo-web/', import.meta.url));

/** What a todo-web test file runs against; read inside hooks and tests. */
export interface TodoWebScenario {
  readonly server: SyncServer;
  /** Between the app and the server: `setMode({ kind: 'refuse' })` takes the server away. */
  readonly proxy: FaultProxy;
  readonly user: TestUser;
  readonly browser: Browser;
  /** The app's URL on the Vite dev server. */
  readonly appUrl: string;
  /** A fresh browser profile (its own IndexedDB) with the app open in one tab. */
  openApp(): Promise<{ context: BrowserContext; page: Page }>;
  /** Another tab of the app in `context` (same origin, storage and locks). */
  openTab(context: BrowserContext): Promise<Page>;
  /** Saves `test-results/todo-web/<name>.png`. */
  screenshot(page: Page, name: string): Promise<void>;
}

/**
 * Registers the set-up of a todo-web test file: the reference server (PGlite) with `serverOptions`
 * behind a proxy, the app's Vite dev server pointed at the proxy, one user, the shared Chromium.
 *
 * @example
 * const app = useTodoWeb({ accessTokenTtlSec: 60 });
 * it('logs in', async () => {
 *   const { page } = await app.openApp();
 *   await logIn(page, app.user);
 * });
 */
export function useTodoWeb(serverOptions: ServerOptions = {}): TodoWebScenario {
  let running: LaneServer | undefined;
  let proxy: FaultProxy | undefined;
  let user: TestUser | undefined;
  let browser: Browser | undefined;
  let vite: ViteDevServer | undefined;
  let cacheDir: string | undefined;
  let appUrl = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'todo-web-vite-'));
    [running, browser] = await Promise.all([
      startLaneServer({ name: 'pglite' }, serverOptions),
      chromium.connect(inject('browserWsEndpoint')),
      mkdir(SCREENSHOTS, { recursive: true }),
    ]);
    proxy = await startFaultProxy(running.server.port);
    user = await createTestUser(running.server);
    vite = await createServer({
      configFile: false,
      logLevel: 'warn',
      ...todoWebConfig({ serverUrl: proxy.origin, port: 0, cacheDir }),
    });
    await vite.listen();
    appUrl = vite.resolvedUrls?.local[0] ?? '';
    expect(appUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await vite?.close();
    await proxy?.close();
    await running?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the todo-web scenario is read before its beforeAll ran');
    return value;
  };
  const openTab = async (context: BrowserContext): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`pageerror: ${error.message}`));
    // A dependency Vite optimises late reloads the page: say so, it explains a flaky step.
    page.on('console', (message) => {
      if (/\[vite\].*(reload|optimized|error)/i.test(message.text())) console.error(`vite in the page: ${message.text()}`);
    });
    await page.goto(appUrl);
    // The app has started once the badge says anything but restoring.
    await expect.poll(() => badge(page).then((b) => b.session), { timeout: 30_000 }).not.toBe('restoring');
    return page;
  };
  return {
    get server() {
      return started(running).server;
    },
    get proxy() {
      return started(proxy);
    },
    get user() {
      return started(user);
    },
    get browser() {
      return started(browser);
    },
    get appUrl() {
      return appUrl;
    },
    async openApp() {
      const context = await started(browser).newContext({ viewport: { width: 960, height: 640 } });
      contexts.push(context);
      return { context, page: await openTab(context) };
    },
    openTab,
    async screenshot(page, name) {
      // The page down to its content (or an open dialog), not the empty viewport below it.
      const bottom = await page.evaluate(() => {
        const dialog = document.querySelector('dialog[open]');
        return Math.max(document.body.getBoundingClientRect().bottom, dialog?.getBoundingClientRect().bottom ?? 0) + 16;
      });
      const { width, height } = page.viewportSize() ?? { width: 960, height: 640 };
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), clip: { x: 0, y: 0, width, height: Math.min(height, Math.ceil(bottom)) } });
    },
  };
}

/** What the status badge shows (its data attributes and text). */
export interface Badge {
  badge: string;
  session: string;
  sync: string;
  pending: number;
  tab: string;
  text: string;
}

/** Reads the status badge. */
export async function badge(page: Page): Promise<Badge> {
  return page.evaluate(() => {
    const status = document.querySelector<HTMLElement>('#status');
    const d = status?.dataset ?? {};
    return {
      badge: d['badge'] ?? '',
      session: d['session'] ?? '',
      sync: d['sync'] ?? '',
      pending: Number(d['pending'] ?? NaN),
      tab: d['tab'] ?? '',
      text: (status?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    };
  });
}

/** Waits until the badge passes `check` (polled: the badge is what the user sees). */
export async function untilBadge(page: Page, check: (b: Badge) => boolean, what: string, timeout = 20_000): Promise<Badge> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const last = await badge(page);
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for the badge: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Logs in through the login form and waits for the todo list. */
export async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.fill('#login-form input[name=username]', user.username);
  await page.fill('#login-form input[name=password]', user.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#todos:not([hidden])', { timeout: 20_000 });
}

/** Adds todos through the form, one by one, and waits until each is listed. */
export async function addTodos(page: Page, titles: string[]): Promise<void> {
  for (const title of titles) {
    const before = await page.locator('#todo-list li').count();
    await page.fill('#new-title', title);
    await page.press('#new-title', 'Enter');
    await expect.poll(() => page.locator('#todo-list li').count(), { timeout: 10_000 }).toBe(before + 1);
  }
}

/** The titles of the todos the page lists, in order. */
export function listed(page: Page): Promise<string[]> {
  return page.locator('#todo-list li .title').allTextContents();
}

/** `n` titles `<prefix> 1…n`. */
export function titles(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
}

/** How often each title is among the user's live documents on the server. */
export async function serverTitles(server: SyncServer, userId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const doc of await server.readDocuments(userId, 'todo')) {
    if (doc.deleted) continue;
    const title = String(doc['title']);
    counts.set(title, (counts.get(title) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every one of `expected` is on the server exactly once (and nothing else is). */
export async function untilOnServer(server: SyncServer, userId: string, expected: string[], timeout = 30_000): Promise<void> {
  const want = Object.fromEntries([...expected].sort().map((t) => [t, 1]));
  await expect
    .poll(async () => Object.fromEntries([...(await serverTitles(server, userId))].sort(([a], [b]) => (a < b ? -1 : 1))), { timeout })
    .toEqual(want);
}
