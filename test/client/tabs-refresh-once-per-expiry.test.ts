import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import { inProcessRefreshLock } from '../../src/session/refresh-lock.ts';
import type { StoredSession } from '../../src/session/session-store.ts';
import { startGraphQLTestServer } from './graphql-test-server.ts';
import { openTwoTabs } from './shared-session-tabs.ts';

// Two tabs of one app in one process (two clients on one named store and one lock), against a
// server that rotates refresh tokens and revokes the session when a replaced one is presented.

describe('tabs sharing one session store refresh once per expiry', () => {
  const clients: SyncClient[] = [];
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(closers.splice(0).map((close) => close()));
    vi.useRealTimers();
  });

  const twoTabs = () => openTwoTabs(clients);

  it('expiring together, they refresh once and both end up with the same new token', async () => {
    const { server, store, a, b } = await twoTabs();
    const first = await a.getValidAccessToken();
    expect(await b.getValidAccessToken()).toBe(first);

    // Both proactive timers fire at exp − 60 s, at the same instant.
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    await vi.waitFor(() => expect([a.status.session, b.status.session]).toEqual(['active', 'active']));

    expect(server.stats).toEqual({ refreshes: 1, refreshFailures: 0, reuse: 0 });
    const second = await a.getValidAccessToken();
    expect(second).not.toBe(first);
    expect(await b.getValidAccessToken()).toBe(second);
    expect((await store.load())?.accessToken).toBe(second);

    // The next expiry too: still one refresh, presenting the rotated token.
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    await vi.waitFor(() => expect(server.stats.refreshes).toBe(2));
    await vi.waitFor(async () => expect(await b.getValidAccessToken()).toBe(await a.getValidAccessToken()));
    expect(server.stats).toEqual({ refreshes: 2, refreshFailures: 0, reuse: 0 });
  });

  it('a tab adopts the token another tab refreshed without waiting for its own timer', async () => {
    const { server, a, b } = await twoTabs();
    const first = await b.getValidAccessToken();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await a.refreshCustomData();
    const fresh = await a.getValidAccessToken();
    expect(fresh).not.toBe(first);
    // Told over the channel; no timer of b's has fired.
    await vi.waitFor(async () => expect(await b.getValidAccessToken()).toBe(fresh));
    expect(b.status.accessExpiresAt).toBe(a.status.accessExpiresAt);
    expect(server.stats.refreshes).toBe(1);

    // b's own timer then finds the adopted token not due: nothing is sent.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.stats.refreshes).toBe(1);
  });

  it('a request rejected in a tab that missed the news adopts the stored token instead of refreshing', async () => {
    const { fake, server, store, a } = await twoTabs();
    const api = await startGraphQLTestServer(fake.acceptsAccess);
    closers.push(() => api.close());
    // A tab that hears nothing (its own lock, no store name): only the store tells it what happened.
    const deaf = { load: () => store.load(), save: (s: StoredSession) => store.save(s), clear: () => store.clear() };
    const c = createSyncClient({ auth: server.auth, graphql: { url: api.url }, sessionStore: deaf, refreshLock: inProcessRefreshLock(), wakeSignals: false });
    clients.push(c);
    await c.start();
    const old = await c.getValidAccessToken();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await a.refreshCustomData();
    const fresh = await a.getValidAccessToken();
    // The server stops accepting the old token: c gets a 401, takes the lock, finds the new token.
    fake.state.rejectedAccess.add(old);
    expect(await c.graphql.request('{ me { id } }')).toEqual({ me: { id: 'ann' } });
    expect(await c.getValidAccessToken()).toBe(fresh);
    expect(api.stats).toEqual({ ok: 1, unauthorized: 1 });
    expect(server.stats).toEqual({ refreshes: 1, refreshFailures: 0, reuse: 0 });
  });
});
