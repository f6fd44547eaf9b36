import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import type { WakeTarget } from '../../src/platform/wake-signals.ts';
import { createFakeAuth } from './fake-auth.ts';

const HOUR = 3_600_000;

describe('offline is not expired', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('eight hours offline keep the user signed in; the online event recovers at once', async () => {
    const fake = await createFakeAuth();
    const window = new EventTarget();
    const target: WakeTarget = { window };
    const hook = vi.fn();
    const client = createSyncClient({ auth: fake.auth, onReloginRequired: hook, wakeSignals: { target } });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.offline = true;

    const sessions = new Set<string>();
    client.status$.subscribe((s) => sessions.add(s.session));
    await vi.advanceTimersByTimeAsync(8 * HOUR);

    expect([...sessions].sort()).toEqual(['active', 'refreshing']);
    expect(hook).not.toHaveBeenCalled();
    expect(client.user?.id).toBe('ann');
    expect(client.status.lastError).toMatchObject({ kind: 'transient', code: 'NETWORK' });
    // Backoff is capped at 60 s: hundreds of attempts over 8 h, not a spin and not a give-up.
    expect(fake.calls.refresh).toBeGreaterThan(8 * 60);
    expect(fake.calls.refresh).toBeLessThan(8 * 60 * 60);
    // The expired token is never handed out; the caller gets a typed, retryable error.
    await expect(client.getValidAccessToken()).rejects.toMatchObject({ code: 'NETWORK', kind: 'transient' });

    const before = fake.calls.refresh;
    fake.state.offline = false;
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls.refresh).toBe(before + 1);
    expect(client.status).toMatchObject({ session: 'active', lastError: null });
    expect(await client.getValidAccessToken()).toBe(fake.state.lastAccess);
    await client.close();
  });

  it('a proactive refresh failing offline keeps serving the still-valid token', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const token = fake.state.lastAccess;
    fake.state.offline = true;
    await vi.advanceTimersByTimeAsync(29 * 60_000 + 10_000);
    expect(client.status.session).toBe('refreshing');
    expect(await client.getValidAccessToken()).toBe(token);
    await client.close();
  });
});
