import { describe, expect, it } from 'vitest';
import { addTodos, badge, listed, logIn, titles, untilBadge, untilOnServer, useTodoWeb } from './support/todo-web-scenario.ts';

// The server is unreachable and the user reloads the page with unsynced todos: the session comes back
// from IndexedDB (no login form, no request needed), the todos are still listed and still counted as
// pending, and once the server is back they are pushed, each once.
describe('todo-web: a reload while todos wait to sync', () => {
  const app = useTodoWeb();

  it('restores the session and the unsynced todos, then pushes them', async () => {
    const { server, user, proxy } = app;
    const { page } = await app.openApp();
    await logIn(page, user);
    const synced = titles('synced', 2);
    await addTodos(page, synced);
    await untilOnServer(server, user.userId, synced);

    proxy.setMode({ kind: 'refuse' });
    const waiting = titles('waiting', 3);
    await addTodos(page, waiting);
    await untilBadge(page, (b) => b.badge === 'offline' && b.pending === 3, 'offline, 3 pending');
    await app.screenshot(page, 'reload-1-before-reload');

    await page.reload();
    await untilBadge(page, (b) => b.session !== 'restoring', 'restored');
    expect(await page.isVisible('#login-form')).toBe(false);
    await page.waitForSelector('#todos:not([hidden])');
    await expect.poll(() => listed(page), { timeout: 10_000 }).toEqual([...synced, ...waiting]);
    await untilBadge(page, (b) => b.pending === 3 && b.badge === 'offline', 'still 3 pending, offline');
    expect((await badge(page)).session).toBe('active');
    await app.screenshot(page, 'reload-2-after-reload-still-offline');

    proxy.setMode({ kind: 'pass' });
    await untilOnServer(server, user.userId, [...synced, ...waiting]);
    await untilBadge(page, (b) => b.badge === 'active' && b.pending === 0, 'active, nothing pending');
    await app.screenshot(page, 'reload-3-pushed');
  }, 60_000);
});
