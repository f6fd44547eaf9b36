import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncClient } from '../../src/client/sync-client.ts';
import { openTwoTabs } from './shared-session-tabs.ts';

// What one tab does to the shared session reaches the others through the store and its channel.
describe('tabs follow a logout, an expired session or a relogin in another tab', () => {
  const clients: SyncClient[] = [];
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    vi.useRealTimers();
  });

  const twoTabs = () => openTwoTabs(clients);

  it('a logout in one tab logs the other tab out', async () => {
    const { a, b } = await twoTabs();
    await a.logout();
    await vi.waitFor(() => expect(b.status.session).toBe('loggedOut'));
    expect(b.user).toBeNull();
  });

  it('after one tab is told to log in again, the other gives up without presenting the dead token', async () => {
    const { server, a, b } = await twoTabs();
    server.auth.revoke();
    await expect(a.refreshCustomData()).rejects.toMatchObject({ code: 'RELOGIN_REQUIRED' });
    expect(a.status.session).toBe('refreshExpired');
    await vi.waitFor(() => expect(b.status.session).toBe('refreshExpired'));
    expect(server.stats.refreshes).toBe(1);
    // Its own timer later sends nothing either.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(server.stats.refreshes).toBe(1);
  });

  it('a relogin in one tab ends the wait in the other: it is active again, with that token, and sent nothing', async () => {
    const { server, a, b } = await twoTabs();
    const reloginsInB: string[] = [];
    const loginsInB: string[] = [];
    b.on('reloginRequired', ({ reason }) => void reloginsInB.push(reason));
    b.on('loggedIn', ({ userId }) => void loginsInB.push(userId));
    server.auth.revoke();
    await expect(a.refreshCustomData()).rejects.toMatchObject({ code: 'RELOGIN_REQUIRED' });
    await vi.waitFor(() => expect(b.status.session).toBe('refreshExpired'));

    await a.login({ username: 'ann', password: 'pw' });
    await vi.waitFor(() => expect(b.status.session).toBe('active'));
    expect(await b.getValidAccessToken()).toBe(await a.getValidAccessToken());
    expect(b.user?.id).toBe(a.user?.id);
    expect({ reloginsInB, loginsInB }).toEqual({ reloginsInB: ['refreshRejected'], loginsInB: [a.user?.id] });
    expect(server.stats.refreshes).toBe(1);
    // Its proactive refresh is scheduled again, and presents the new refresh token (no reuse).
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(server.stats.reuse).toBe(0);
    expect([a.status.session, b.status.session]).toEqual(['active', 'active']);
  });

  it('a relogin of another user in one tab leaves the other waiting for its own user', async () => {
    const { server, a, b } = await twoTabs();
    server.auth.revoke();
    await expect(a.refreshCustomData()).rejects.toMatchObject({ code: 'RELOGIN_REQUIRED' });
    await vi.waitFor(() => expect(b.status.session).toBe('refreshExpired'));
    const ann = b.user?.id;
    await a.login({ username: 'bob', password: 'pw' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.status.session).toBe('refreshExpired');
    expect(b.user?.id).toBe(ann);
  });
});
