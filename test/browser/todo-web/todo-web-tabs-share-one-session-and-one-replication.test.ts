import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { statsSince } from '../../integration/support/lifecycle-server.ts';
import { addTodos, badge, listed, logIn, titles, untilBadge, untilOnServer, useTodoWeb } from './support/todo-web-scenario.ts';

// Two tabs of the app in one browser profile: one session (IndexedDB) and one user database (Dexie).
// One tab replicates, both write and both see every todo; with 4 s access tokens (a refresh about
// every 2 s) the two tabs send one refresh request per expiry, not one each; after a revocation both
// show the relogin dialog, and a relogin in one tab closes the other's and pushes its backlog.
describe('todo-web: two tabs', () => {
  const app = useTodoWeb({ accessTokenTtlSec: 4 });

  it('share one session and one replication; one refresh per expiry; one relogin serves both', async () => {
    const { server, user } = app;
    const { context, page: a } = await app.openApp();
    await logIn(a, user);
    const b = await app.openTab(context);
    await untilBadge(b, (s) => s.session === 'active' || s.session === 'refreshing', 'tab B restored the session');
    expect(await b.isVisible('#login-form')).toBe(false);
    // One tab replicates (RxDB's leader election), the other is served through it.
    await expect.poll(async () => [(await badge(a)).tab, (await badge(b)).tab].sort(), { timeout: 15_000 }).toEqual(['follower', 'leader']);

    const fromA = titles('from tab A', 2);
    const fromB = titles('from tab B', 2);
    await addTodos(a, fromA);
    await addTodos(b, fromB);
    await untilOnServer(server, user.userId, [...fromA, ...fromB]);
    for (const page of [a, b]) await expect.poll(() => listed(page).then((l) => [...l].sort())).toEqual([...fromA, ...fromB].sort());
    await app.screenshot(a, 'tabs-1-tab-a');
    await app.screenshot(b, 'tabs-2-tab-b');

    // Refresh requests from both tabs over 8 s: one per expiry, never a pair.
    const refreshes: { at: number; page: Page | null }[] = [];
    const onRequest = (request: Request): void => {
      if (request.method() === 'POST' && request.url().endsWith('/api/client/v2.0/auth/session')) {
        refreshes.push({ at: Date.now(), page: request.frame().page() });
      }
    };
    const before = server.stats();
    context.on('request', onRequest);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    context.off('request', onRequest);
    const since = statsSince(server, before);
    const gaps = refreshes.slice(1).map((r, i) => r.at - (refreshes[i]?.at ?? 0));
    expect(refreshes.length, `refreshes at ${JSON.stringify(gaps)} ms apart`).toBeGreaterThanOrEqual(2);
    expect(refreshes.length).toBeLessThanOrEqual(5);
    expect(Math.min(...gaps), `gaps ${JSON.stringify(gaps)}`).toBeGreaterThan(1_000);
    expect(since.refreshes).toBeGreaterThanOrEqual(refreshes.length - 1);
    expect(since.refreshes).toBeLessThanOrEqual(refreshes.length + 1);
    expect(since.refreshFailures).toBe(0);

    // Revoked: the next refresh is refused once; both tabs ask for a relogin.
    await server.revokeSessions(user.userId);
    const revoked = server.stats();
    for (const page of [a, b]) await page.waitForSelector('#relogin[open]', { timeout: 20_000 });
    for (const page of [a, b]) await untilBadge(page, (s) => s.badge === 'relogin-required', 'relogin required');
    expect(statsSince(server, revoked).refreshFailures).toBe(1);
    await app.screenshot(b, 'tabs-3-both-ask-for-relogin');

    // Tab B writes while the relogin is pending; tab A logs in again.
    await b.click('#relogin-later');
    const meanwhile = titles('written in tab B while paused', 1);
    await addTodos(b, meanwhile);
    await untilBadge(b, (s) => s.pending === 1, 'tab B: 1 pending');
    const quiet = server.stats();
    await a.fill('#relogin-form input[name=password]', user.password);
    await a.click('#relogin-form button[type=submit]');
    for (const page of [a, b]) await untilBadge(page, (s) => s.badge === 'active' || s.badge === 'refreshing', 'active again');
    expect(await b.evaluate(() => document.querySelector<HTMLDialogElement>('#relogin')?.open)).toBe(false);
    const all = [...fromA, ...fromB, ...meanwhile];
    await untilOnServer(server, user.userId, all);
    for (const page of [a, b]) await expect.poll(() => listed(page).then((l) => [...l].sort())).toEqual([...all].sort());
    for (const page of [a, b]) await untilBadge(page, (s) => s.pending === 0, 'nothing pending');
    expect(statsSince(server, quiet)).toMatchObject({ logins: 1, pushedDocuments: 1 });
    await app.screenshot(a, 'tabs-4-tab-a-after-relogin');
    await app.screenshot(b, 'tabs-5-tab-b-after-relogin');
  }, 90_000);
});
