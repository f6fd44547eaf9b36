import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncClient } from '../../src/client/sync-client.ts';
import { openTwoTabs } from './shared-session-tabs.ts';

// What one tab does to the shared session reaches the others through the store and its channel.
describe('tabs follow a logout or an expired session in another tab', () => {
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
});
