import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject, vi } from 'vitest';
import type { SyncServer } from '../../../examples/server/start-server.ts';
import { pageQuery } from '../pages/page-params.ts';
import { startPageServer, type PageServer } from './page-server.ts';

/** A test page in a browser context of its own, with everything it printed to the console. */
export interface BrowserPage {
  page: Page;
  /** Every console message and uncaught page error since the page was first opened (reloads included). */
  console: string[];
  /** Loads the page again and waits for its driver. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** What a test file shares: the connection to the run's Chromium and a server of the bundled pages. */
export interface BrowserLane {
  open(name: string, server: SyncServer, opts?: { checkIntervalMs?: number; beforeLoad?: (page: Page) => Promise<void> }): Promise<BrowserPage>;
  close(): Promise<void>;
}

/**
 * Connects to the Chromium of this run (started by global-setup.ts) and serves the bundled pages.
 *
 * @example
 * const lane = await startBrowserLane();
 * const { page } = await lane.open('session-page', server);
 * await page.evaluate(() => window.app.start());
 */
export async function startBrowserLane(): Promise<BrowserLane> {
  const [browser, pages]: [Browser, PageServer] = await Promise.all([
    chromium.connect(inject('browserWsEndpoint')),
    startPageServer(inject('browserPagesDir')),
  ]);
  const contexts: BrowserContext[] = [];
  return {
    async open(name, server, opts = {}) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const messages: string[] = [];
      page.on('console', (message) => messages.push(message.text()));
      page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
      await opts.beforeLoad?.(page);
      const query = pageQuery({
        authUrl: server.authUrl,
        appId: server.appId,
        graphqlUrl: server.graphqlUrl,
        wsUrl: server.wsUrl,
        ...(opts.checkIntervalMs === undefined ? {} : { checkIntervalMs: opts.checkIntervalMs }),
      });
      const ready = async (): Promise<void> => {
        // Polled from Node, not with waitForFunction: page.clock may be holding the page's frames.
        await vi.waitFor(async () => expect(await page.evaluate(() => window.app !== undefined)).toBe(true), { timeout: 10_000, interval: 20 });
      };
      await page.goto(`${pages.url(name)}?${query}`);
      await ready();
      return {
        page,
        console: messages,
        async reload() {
          await page.reload();
          await ready();
        },
        close: () => context.close(),
      };
    },
    async close() {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser.close();
      await pages.close();
    },
  };
}
