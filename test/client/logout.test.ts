import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('logout', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('revokes the refresh token on the server and clears the stored session', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const refreshToken = fake.state.lastRefresh;
    const events: unknown[] = [];
    client.on('loggedOut', (e) => void events.push(e));
    await client.logout();
    expect(fake.calls.logout).toBe(1);
    expect(fake.state.revokedRefresh.has(refreshToken)).toBe(true);
    expect(await store.load()).toBeNull();
    expect(client.status).toMatchObject({ session: 'loggedOut', userId: null });
    expect(client.user).toBeNull();
    expect(events).toEqual([{ userId: 'ann' }]);
    await expect(client.getValidAccessToken()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
    await client.close();
  });

  it('offline: never throws, still clears the local session', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.offline = true;
    await expect(client.logout()).resolves.toEqual({ pendingWrites: {} });
    expect(await store.load()).toBeNull();
    expect(client.status.session).toBe('loggedOut');
    await client.close();
  });

  it('a server that never answers delays logout by at most logoutTimeoutMs', async () => {
    const fake = await createFakeAuth();
    const auth = { ...fake.auth, logout: () => new Promise<void>(() => {}) };
    const client = createSyncClient({ auth, wakeSignals: false, logoutTimeoutMs: 5_000 });
    await client.login({ username: 'ann', password: 'pw' });
    let done = false;
    const logout = client.logout().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await logout;
    expect(client.status.session).toBe('loggedOut');
    await client.close();
  });

  it('works from refreshExpired, and logging out while logged out just clears the store', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const client = createSyncClient({ auth: fake.auth, sessionStore: store, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.revokedRefresh.add(fake.state.lastRefresh);
    await client.refreshCustomData().catch(() => undefined);
    expect(client.status.session).toBe('refreshExpired');
    await client.logout();
    expect(client.status.session).toBe('loggedOut');
    await expect(client.logout()).resolves.toEqual({ pendingWrites: {} });
    expect(await store.load()).toBeNull();
    await client.close();
  });
});
