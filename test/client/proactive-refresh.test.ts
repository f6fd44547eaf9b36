import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('proactive refresh through the client', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('fires at exp − margin, persists the new token, and keeps serving the old one meanwhile', async () => {
    const fake = await createFakeAuth({ accessTtlSec: 1800 });
    const store = memorySessionStore();
    let release!: () => void;
    const slowRefresh = { ...fake.auth, refresh: async (rt: string, ctx: Parameters<typeof fake.auth.refresh>[1]) => {
      await new Promise<void>((resolve) => (release = resolve));
      return fake.auth.refresh(rt, ctx);
    } };
    const client = createSyncClient({ auth: slowRefresh, sessionStore: store, refreshMarginMs: 120_000, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const first = fake.state.lastAccess;

    // Expiry is issue time + 30 min − 1 s (iat is floored to the second); the margin is 2 min.
    await vi.advanceTimersByTimeAsync(28 * 60_000 - 1_000 - 1);
    expect(client.status.session).toBe('active');
    await vi.advanceTimersByTimeAsync(1);
    expect(client.status.session).toBe('refreshing');
    expect(await client.getValidAccessToken()).toBe(first); // still valid: no waiting

    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls.refresh).toBe(1);
    expect(client.status.session).toBe('active');
    const second = await client.getValidAccessToken();
    expect(second).not.toBe(first);
    expect((await store.load())?.accessToken).toBe(second);
    await client.close();
  });

  // Estimated expiry 1.5 s (a quarter of the lifetime is kept for iat flooring), margin clamped to 0.5 s.
  it('2 s tokens with the default 60 s margin refresh once a second, never serving an expired token', async () => {
    const fake = await createFakeAuth({ accessTtlSec: 2 });
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const refused: string[] = [];
    for (let t = 0; t < 20_000; t += 250) {
      const token = await client.getValidAccessToken();
      if (!fake.acceptsAccess(token)) refused.push(token);
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(refused).toEqual([]);
    expect(fake.calls.refresh).toBeGreaterThanOrEqual(19);
    expect(fake.calls.refresh).toBeLessThanOrEqual(21);
    await client.close();
  });

  it('a rotated refresh token is stored before the new access token is handed out', async () => {
    const fake = await createFakeAuth();
    const store = memorySessionStore();
    const rotating = {
      ...fake.auth,
      refresh: async (rt: string, ctx: Parameters<typeof fake.auth.refresh>[1]) => ({ ...(await fake.auth.refresh(rt, ctx)), refreshToken: `${rt}-rotated` }),
    };
    const client = createSyncClient({ auth: rotating, sessionStore: store, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const original = fake.state.lastRefresh;
    await client.refreshCustomData();
    const stored = await store.load();
    expect(stored?.refreshToken).toBe(`${original}-rotated`);
    expect(stored?.accessToken).toBe(await client.getValidAccessToken());
    await client.close();
  });
});
