import { describe, expect, it } from 'vitest';
import { addTodos, listed, logIn, titles, untilBadge, untilOnServer, useTodoWeb } from './support/todo-web-scenario.ts';

// The example app in Chromium: log in, add todos, lose the network (the browser goes offline, as
// with the wifi off), keep adding, come back: every todo reaches the server once, and the badge told
// the user what was going on all along.
describe('todo-web: writes made offline', () => {
  const app = useTodoWeb();

  it('are kept, counted in the badge, and all reach the server once the network is back', async () => {
    const { server, user } = app;
    const { context, page } = await app.openApp();
    await app.screenshot(page, 'offline-1-login-form');
    await logIn(page, user);
    const online = titles('online', 3);
    await addTodos(page, online);
    await untilOnServer(server, user.userId, online);
    await untilBadge(page, (b) => b.badge === 'active' && b.pending === 0 && b.text.includes('last synced'), 'active, synced');
    await app.screenshot(page, 'offline-2-synced');

    await context.setOffline(true);
    const offline = titles('offline', 3);
    await addTodos(page, offline);
    const down = await untilBadge(page, (b) => b.badge === 'offline' && b.pending === 3, 'offline, 3 pending');
    expect(down.session).toBe('active');
    expect(await listed(page)).toEqual([...online, ...offline]);
    await app.screenshot(page, 'offline-3-offline-with-pending');

    await context.setOffline(false);
    await untilOnServer(server, user.userId, [...online, ...offline]);
    await untilBadge(page, (b) => b.badge === 'active' && b.pending === 0, 'active, nothing pending');
    await app.screenshot(page, 'offline-4-back-in-sync');
  }, 60_000);
});
