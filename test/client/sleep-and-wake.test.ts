import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { createFakeAuth } from './fake-auth.ts';

const HOUR = 3_600_000;

describe('a laptop that slept all weekend', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 2, 18) }));
  afterEach(() => vi.useRealTimers());

  it('refreshes exactly once when the clock-jump timer notices the wake', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: { checkIntervalMs: 10_000, jumpThresholdMs: 30_000 } });
    await client.login({ username: 'ann', password: 'pw' });
    const stale = fake.state.lastAccess;

    // Suspend: wall time moves 60 h, no timer fires meanwhile.
    vi.setSystemTime(Date.now() + 60 * HOUR);
    expect(fake.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000); // the next coarse tick sees the jump
    expect(fake.calls.refresh).toBe(1);
    expect(client.actor.getSnapshot().context.refreshTrigger).toBe('wake');
    expect(client.status.session).toBe('active');
    const fresh = await client.getValidAccessToken();
    expect(fresh).not.toBe(stale);
    expect(fake.acceptsAccess(fresh)).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.calls.refresh).toBe(1);
    await client.close();
  });

  it('a token request right after waking (before any signal) waits for one refresh instead of sending the stale token', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const stale = fake.state.lastAccess;
    vi.setSystemTime(Date.now() + 60 * HOUR);

    const tokens = await Promise.all([client.getValidAccessToken(), client.getValidAccessToken(), client.getValidAccessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(stale);
    expect(fake.calls.refresh).toBe(1);
    await client.close();
  });
});
