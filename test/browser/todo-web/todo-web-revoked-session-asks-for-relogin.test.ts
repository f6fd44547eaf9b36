import { describe, expect, it } from 'vitest';
import { statsSince } from '../../integration/support/lifecycle-server.ts';
import { addTodos, listed, logIn, titles, untilBadge, untilOnServer, useTodoWeb } from './support/todo-web-scenario.ts';

// The operator revokes the user's sessions. The app's next refresh (4 s access tokens: due within
// 3 s) is refused: the session is in refreshExpired, onReloginRequired opens the dialog, the todos
// written meanwhile wait on the device (the dialog and the badge count them), and after logging in
// again in the dialog the backlog is pushed once.
describe('todo-web: a revoked session', () => {
  const app = useTodoWeb({ accessTokenTtlSec: 4 });

  it('opens the relogin dialog; after the relogin the backlog is pushed once', async () => {
    const { server, user } = app;
    const { page } = await app.openApp();
    await logIn(page, user);
    const before = titles('before', 2);
    await addTodos(page, before);
    await untilOnServer(server, user.userId, before);

    await server.revokeSessions(user.userId);
    // The access token still works until it is due for a refresh; that refresh is refused.
    await page.waitForSelector('#relogin[open]', { timeout: 20_000 });
    const expired = await untilBadge(page, (b) => b.badge === 'relogin-required' && b.sync === 'paused', 'relogin required, paused');
    expect(expired.session).toBe('refreshExpired');
    expect(await page.textContent('#relogin-reason')).toContain('revoked');
    await app.screenshot(page, 'relogin-1-dialog');

    // "Later": the user keeps working; the writes queue and the badge counts them.
    await page.click('#relogin-later');
    const waiting = titles('waiting', 3);
    await addTodos(page, waiting);
    await untilBadge(page, (b) => b.pending === 3 && b.badge === 'relogin-required', '3 pending, relogin required');
    await app.screenshot(page, 'relogin-2-writes-while-paused');
    const quiet = server.stats();

    // The badge reopens the dialog, which says how many changes wait.
    await page.click('#status-state');
    await page.waitForSelector('#relogin[open]');
    await expect.poll(() => page.textContent('#relogin-pending')).toContain('3 changes wait');
    expect(await page.inputValue('#relogin-form input[name=username]')).toBe(user.username);
    await app.screenshot(page, 'relogin-3-dialog-counts-the-backlog');
    // Nothing was sent while the relogin was pending.
    expect(statsSince(server, quiet)).toMatchObject({ pulls: 0, pushes: 0, refreshes: 0, refreshFailures: 0 });

    await page.fill('#relogin-form input[name=password]', user.password);
    await page.click('#relogin-form button[type=submit]');
    await page.waitForSelector('#relogin:not([open])', { state: 'attached', timeout: 20_000 });
    await untilOnServer(server, user.userId, [...before, ...waiting]);
    await untilBadge(page, (b) => b.badge === 'active' && b.pending === 0, 'active, nothing pending');
    // Pushed once: the three waiting todos, each in one push, nothing else.
    expect(statsSince(server, quiet)).toMatchObject({ logins: 1, pushedDocuments: 3, conflicts: 0 });
    expect(await listed(page)).toEqual([...before, ...waiting]);
    await app.screenshot(page, 'relogin-4-backlog-pushed');
  }, 60_000);
});
