import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import type { BrowserPage } from './support/browser-page.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// Two tabs of one origin on one IndexedDB session (indexedDbSessionStore), against a server that rotates refresh tokens
// (presenting a replaced one is refused). A laptop lid closed for two minutes: both tabs' wall clock
// (the context's page.clock) and the server's clock jump past the 60 s access token's expiry, then
// both tabs become visible at once. One refresh must serve both.
const SLEEP_MS = 120_000;
const NO_WATCHER = 3_600_000;

describe('two tabs on one session', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3600, rotateRefreshTokens: true });

  /** Tab A logs in; tab B opens in the same browser context (same origin, storage and locks). */
  async function twoTabs(): Promise<{ a: BrowserPage; b: Page }> {
    const { server, lane, user } = scenario;
    const a = await lane.open('tabs-page', server, { checkIntervalMs: NO_WATCHER, beforeLoad: (page) => page.clock.install() });
    await a.page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    const b = await a.page.context().newPage();
    await b.goto(a.page.url());
    await vi.waitFor(async () => expect(await b.evaluate(() => window.app !== undefined)).toBe(true), { timeout: 10_000, interval: 20 });
    expect((await b.evaluate(() => window.app.start())).session).toBe('active');
    return { a, b };
  }

  const session = (page: Page) => page.evaluate(() => window.app.status().session);

  it('refreshes once when both wake after the token expired, and both carry the new token', async () => {
    const { server } = scenario;
    const { a, b } = await twoTabs();
    const before = server.stats();
    const old = await a.page.evaluate(() => window.tab.token());
    server.shiftClock(SLEEP_MS);
    await a.page.clock.setSystemTime((await a.page.evaluate(() => Date.now())) + SLEEP_MS);
    // Both at once: neither waits for the other's refresh to finish before asking.
    await Promise.all([a.page, b].map((page) => page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))));

    await expect.poll(() => Promise.all([session(a.page), session(b)]), { timeout: 10_000 }).toEqual(['active', 'active']);
    const [tokenA, tokenB] = await Promise.all([a.page.evaluate(() => window.tab.token()), b.evaluate(() => window.tab.token())]);
    expect(tokenA).not.toBe(old);
    expect(tokenB).toBe(tokenA);
    expect(await a.page.evaluate(() => window.app.request())).toBe('ok');
    expect(await b.evaluate(() => window.app.request())).toBe('ok');
    const since = statsSince(server, before);
    expect({ refreshes: since.refreshes, refreshFailures: since.refreshFailures, graphqlAuthFailures: since.graphqlAuthFailures })
      .toEqual({ refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0 });
    expect(await Promise.all([a.page, b].map((page) => page.evaluate(() => window.app.relogins())))).toEqual([[], []]);
    await a.close();
  });

  it('a tab adopts the token another tab refreshed at once, without a request of its own', async () => {
    const { server } = scenario;
    const { a, b } = await twoTabs();
    const before = server.stats();
    const old = await b.evaluate(() => window.tab.token());
    // A second later, so the new token outlives the old one (exp has one-second resolution).
    server.shiftClock(1_000);
    await a.page.clock.setSystemTime((await a.page.evaluate(() => Date.now())) + 1_000);
    await a.page.evaluate(() => window.tab.refresh());
    const fresh = await a.page.evaluate(() => window.tab.token());
    expect(fresh).not.toBe(old);
    await expect.poll(() => b.evaluate(() => window.tab.token()), { timeout: 10_000 }).toBe(fresh);
    expect(await b.evaluate(() => window.app.request())).toBe('ok');
    const since = statsSince(server, before);
    expect({ refreshes: since.refreshes, refreshFailures: since.refreshFailures, graphqlAuthFailures: since.graphqlAuthFailures })
      .toEqual({ refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0 });
    await a.close();
  });

  it('a relogin in one tab ends the wait for one in the other, which then sends the new token', async () => {
    const { server, user } = scenario;
    const { a, b } = await twoTabs();
    await server.revokeSessions(user.userId);
    await a.page.evaluate(() => window.tab.refresh().catch(() => undefined));
    await expect.poll(() => Promise.all([session(a.page), session(b)]), { timeout: 10_000 }).toEqual(['refreshExpired', 'refreshExpired']);
    const before = server.stats();

    await a.page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await expect.poll(() => session(b), { timeout: 10_000 }).toBe('active');
    expect(await b.evaluate(() => window.tab.token())).toBe(await a.page.evaluate(() => window.tab.token()));
    expect(await b.evaluate(() => window.app.request())).toBe('ok');
    expect(await b.evaluate(() => window.app.relogins())).toEqual([{ userId: user.userId, reason: 'refreshRejected', pendingWrites: {} }]);
    const since = statsSince(server, before);
    expect({ logins: since.logins, refreshes: since.refreshes, refreshFailures: since.refreshFailures, graphqlAuthFailures: since.graphqlAuthFailures })
      .toEqual({ logins: 1, refreshes: 0, refreshFailures: 0, graphqlAuthFailures: 0 });
    await a.close();
  });

  it('a logout in one tab logs the other out', async () => {
    const { a, b } = await twoTabs();
    await a.page.evaluate(() => window.tab.logout());
    await expect.poll(() => session(b), { timeout: 10_000 }).toBe('loggedOut');
    expect(await b.evaluate(() => window.app.request())).toBe('NOT_LOGGED_IN');
    expect(await b.evaluate(() => window.app.relogins())).toEqual([]);
    await a.close();
  });
});
