import { beforeAll, describe, expect, it } from 'vitest';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import { SESSION_KEY } from './pages/session-driver.ts';
import type { BrowserPage } from './support/browser-page.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// In Chromium, against the reference server on another origin (CORS): a login persisted with
// localStorageSessionStore is restored by the next page load without a login request, and the
// stored session is the only place on the page where either token can be found.
describe('a page reload in a browser', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 1800, refreshTokenTtlSec: 3600 });
  let tab: BrowserPage;

  beforeAll(async () => {
    tab = await scenario.lane.open('session-page', scenario.server);
  });

  it('restores the active session from localStorage without logging in again', async () => {
    const { server, user } = scenario;
    const { page } = tab;
    expect((await page.evaluate(() => window.app.start())).session).toBe('loggedOut');
    const signedIn = await page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    expect(signedIn.id).toBe(user.userId);
    expect(await page.evaluate(() => window.app.request())).toBe('ok');

    const before = server.stats();
    await tab.reload();
    const restored = await page.evaluate(() => window.app.start());
    expect(restored).toMatchObject({ session: 'active', userId: user.userId });
    // The restored token works, and getting it cost no request to the auth server.
    expect(await page.evaluate(() => window.app.request())).toBe('ok');
    const since = statsSince(server, before);
    expect({ logins: since.logins, refreshes: since.refreshes, graphqlAuthFailures: since.graphqlAuthFailures, pulls: since.pulls })
      .toEqual({ logins: 0, refreshes: 0, graphqlAuthFailures: 0, pulls: 1 });
  });

  it('keeps the tokens only in the stored session', async () => {
    const { page } = tab;
    const stored = await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY);
    expect(stored).not.toBeNull();
    const { accessToken, refreshToken } = JSON.parse(stored as string) as { accessToken: string; refreshToken: string };
    expect(accessToken.split('.')).toHaveLength(3);
    expect(refreshToken.split('.')).toHaveLength(3);

    const elsewhere = await page.evaluate((key) => {
      const storage = (s: Storage, skip?: string) =>
        Array.from({ length: s.length }, (_, i) => s.key(i) as string)
          .filter((k) => k !== skip)
          .map((k) => `${k}=${s.getItem(k)}`);
      return {
        localStorage: storage(localStorage, key),
        sessionStorage: storage(sessionStorage),
        cookie: document.cookie,
        html: document.documentElement.outerHTML,
        status: JSON.stringify(window.app.status()),
        relogins: JSON.stringify(window.app.relogins()),
      };
    }, SESSION_KEY);
    // The logger printed at debug level: the check below is only worth something if it printed.
    expect(tab.console.length).toBeGreaterThan(0);
    expect(tab.console.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    const haystack = JSON.stringify({ ...elsewhere, console: tab.console });
    // A whole token, or the start or end of its signature (a log could show a token cut short).
    // Reported by name: a failure message must not print the token either.
    const found = Object.entries({ accessToken, refreshToken }).flatMap(([name, token]) => {
      const signature = token.split('.')[2] as string;
      const parts = { whole: token, signatureStart: signature.slice(0, 20), signatureEnd: signature.slice(-20) };
      return Object.entries(parts).filter(([, part]) => haystack.includes(part)).map(([what]) => `${name}.${what}`);
    });
    expect(found).toEqual([]);
  });
});
