import { describe, expect, it } from 'vitest';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// The operator revokes the user's sessions. The page's next refresh (proactive, half-way through the
// 60 s access token, driven by page.clock) is refused: the session goes to refreshExpired, the app's
// onReloginRequired hook runs exactly once however many wake-ups follow, nothing is sent meanwhile,
// and logging in again returns the page to active.
describe('a revoked refresh token in a browser', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3600 });

  it('asks the app once for a relogin, sends nothing until then, and is active again after it', async () => {
    const { server, lane, user } = scenario;
    const tab = await lane.open('session-page', server, { beforeLoad: (page) => page.clock.install() });
    const { page } = tab;
    await page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await server.revokeSessions(user.userId);
    const before = server.stats();

    // Past the proactive refresh (due ~30 s after login), well short of the token's own expiry.
    await page.clock.runFor(35_000);
    // Polled from Node: the page's own timers and frames follow page.clock.
    await expect.poll(() => page.evaluate(() => window.app.status().session), { timeout: 10_000 }).toBe('refreshExpired');
    expect(await page.evaluate(() => window.app.relogins())).toEqual([{ userId: user.userId, reason: 'refreshRejected', pendingWrites: {} }]);
    expect(statsSince(server, before)).toMatchObject({ refreshes: 0, refreshFailures: 1 });

    // Requests fail at once without reaching the server; wake-ups and time do not re-fire the hook.
    expect(await page.evaluate(() => window.app.request())).toBe('RELOGIN_REQUIRED');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.clock.runFor(120_000);
    expect(await page.evaluate(() => window.app.request())).toBe('RELOGIN_REQUIRED');
    expect(await page.evaluate(() => window.app.relogins())).toHaveLength(1);
    const quiet = statsSince(server, before);
    expect({ refreshes: quiet.refreshes, refreshFailures: quiet.refreshFailures, pulls: quiet.pulls, graphqlAuthFailures: quiet.graphqlAuthFailures })
      .toEqual({ refreshes: 0, refreshFailures: 1, pulls: 0, graphqlAuthFailures: 0 });

    const again = await page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    expect(again.id).toBe(user.userId);
    expect(await page.evaluate(() => window.app.status().session)).toBe('active');
    expect(await page.evaluate(() => window.app.request())).toBe('ok');
    expect(await page.evaluate(() => window.app.relogins())).toHaveLength(1);
    expect(statsSince(server, before)).toMatchObject({ logins: 1, pulls: 1, graphqlAuthFailures: 0 });
    await tab.close();
  });
});
