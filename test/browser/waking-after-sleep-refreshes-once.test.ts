import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import type { BrowserPage } from './support/browser-page.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// A laptop lid closed for two minutes: the page's wall clock (Playwright's page.clock) and the
// server's clock both jump past the 60 s access token's expiry while no page timer runs. The wake
// signal the browser then gives must cost exactly one refresh, and the next request must carry the
// new token (no 401 at the server).
const SLEEP_MS = 120_000;
const NO_WATCHER = 3_600_000;

describe('waking a browser page after a sleep', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3600 });

  /** A signed-in page whose timers Playwright controls; the watcher ticks every `checkIntervalMs`. */
  async function signedInPage(checkIntervalMs: number): Promise<BrowserPage> {
    const { server, lane, user } = scenario;
    const tab = await lane.open('session-page', server, { checkIntervalMs, beforeLoad: (page) => page.clock.install() });
    await tab.page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    expect(await tab.page.evaluate(() => window.app.request())).toBe('ok');
    return tab;
  }

  /** Both clocks jump; no page timer fires (setSystemTime moves Date only). */
  async function sleep(page: Page): Promise<void> {
    const { server } = scenario;
    server.shiftClock(SLEEP_MS);
    await page.clock.setSystemTime((await page.evaluate(() => Date.now())) + SLEEP_MS);
  }

  async function expectOneRefreshThenValidRequests(tab: BrowserPage, before: ReturnType<SyncServer['stats']>): Promise<void> {
    const { server } = scenario;
    const { page } = tab;
    await expect.poll(() => statsSince(server, before).refreshes, { timeout: 10_000 }).toBe(1);
    // Polled from Node: the page's timers and frames follow page.clock.
    await expect
      .poll(() => page.evaluate(() => ({ session: window.app.status().session, fresh: (window.app.status().accessExpiresAt ?? 0) > Date.now() })), { timeout: 10_000 })
      .toEqual({ session: 'active', fresh: true });
    expect(await page.evaluate(() => window.app.request())).toBe('ok');
    expect(await page.evaluate(() => window.app.request())).toBe('ok');
    const since = statsSince(server, before);
    expect({ refreshes: since.refreshes, refreshFailures: since.refreshFailures, graphqlAuthFailures: since.graphqlAuthFailures, pulls: since.pulls })
      .toEqual({ refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0, pulls: 2 });
  }

  it('refreshes once when the tab becomes visible', async () => {
    const { server } = scenario;
    const tab = await signedInPage(NO_WATCHER);
    const before = server.stats();
    await sleep(tab.page);
    expect(await tab.page.evaluate(() => window.app.status().session)).toBe('active');
    await tab.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expectOneRefreshThenValidRequests(tab, before);
    expect(await tab.page.evaluate(() => window.app.wakes())).toEqual(['visibility']);
    await tab.close();
  });

  it('refreshes once when the network comes back', async () => {
    const { server } = scenario;
    const tab = await signedInPage(NO_WATCHER);
    const context = tab.page.context();
    await context.setOffline(true);
    const before = server.stats();
    await sleep(tab.page);
    // Chromium fires a real `online` event on the page.
    await context.setOffline(false);
    await expectOneRefreshThenValidRequests(tab, before);
    expect(await tab.page.evaluate(() => window.app.wakes())).toEqual(['online']);
    await tab.close();
  });

  it('refreshes once when the clock-jump watcher notices the sleep, with no browser event', async () => {
    const { server } = scenario;
    const tab = await signedInPage(10_000);
    const { page } = tab;
    const before = server.stats();
    await sleep(page);
    // A watcher tick (every 10 s of timer time) sees 120 s more wall time than timer time. The proactive refresh
    // is due 30 s after login, so it cannot be what refreshes here.
    await page.clock.runFor(10_000);
    await expect.poll(() => statsSince(server, before).refreshes, { timeout: 10_000 }).toBe(1);
    await expectOneRefreshThenValidRequests(tab, before);
    expect(await page.evaluate(() => window.app.wakes())).toEqual(['clockJump']);
    await tab.close();
  });
});
