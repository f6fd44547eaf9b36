import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReloginInfo } from '../../src/client/sync-client-options.ts';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { isSessionError } from '../../src/errors/session-error.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('refresh token rejected → relogin', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('calls onReloginRequired exactly once, rejects token requests, and relogin as the same user resumes', async () => {
    const fake = await createFakeAuth({ accessTtlSec: 600 });
    const hook: ReloginInfo[] = [];
    const listener: ReloginInfo[] = [];
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false, onReloginRequired: (info) => void hook.push(info) });
    client.on('reloginRequired', (info) => void listener.push(info));
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.revokedRefresh.add(fake.state.lastRefresh);

    await vi.advanceTimersByTimeAsync(9 * 60_000); // proactive refresh at exp − 60 s is rejected
    expect(fake.calls.refresh).toBe(1);
    expect(client.status).toMatchObject({ session: 'refreshExpired', userId: 'ann', reloginReason: 'refreshRejected' });
    expect(client.actor.getSnapshot().hasTag('reloginRequired')).toBe(true);
    const expected = { userId: 'ann', reason: 'refreshRejected', lastError: expect.objectContaining({ kind: 'refreshRejected' }), pendingWrites: {} };
    expect(hook).toEqual([expected]);
    expect(listener).toEqual([expected]);

    const error = await client.getValidAccessToken().catch((e: unknown) => e);
    expect(isSessionError(error, 'RELOGIN_REQUIRED')).toBe(true);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(fake.calls.refresh).toBe(1);
    expect(hook).toHaveLength(1);
    expect(client.user?.id).toBe('ann');

    const sessionsDuringRelogin: string[] = [];
    client.actor.subscribe((s) => sessionsDuringRelogin.push(JSON.stringify(s.value)));
    await client.login({ username: 'ann', password: 'pw' });
    expect(client.status).toMatchObject({ session: 'active', userId: 'ann', reloginReason: null });
    expect(sessionsDuringRelogin.every((v) => v.startsWith('{"signedIn"'))).toBe(true);
    expect(await client.getValidAccessToken()).toBe(fake.state.lastAccess);
    await client.close();
  });

  it('a throwing (or rejecting) onReloginRequired is logged, not fatal', async () => {
    const fake = await createFakeAuth();
    const logged: Array<{ msg: string; data?: object }> = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string, data?: object) => void logged.push({ msg, ...(data ? { data } : {}) }) };
    const client = createSyncClient({
      auth: fake.auth,
      wakeSignals: false,
      logger,
      onReloginRequired: () => {
        throw new Error(`hook bug with ${fake.state.lastRefresh}`);
      },
    });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.revokedRefresh.add(fake.state.lastRefresh);
    await client.refreshCustomData().catch(() => undefined);
    expect(client.status.session).toBe('refreshExpired');
    expect(logged.map((l) => l.msg)).toEqual(['onReloginRequired threw; ignored']);
    expect(JSON.stringify(logged)).not.toContain(fake.state.lastRefresh);
    // Still fully usable.
    await client.login({ username: 'ann', password: 'pw' });
    expect(client.status.session).toBe('active');
    await client.close();
  });

  it('relogin with the wrong password keeps refreshExpired and does not call the hook again', async () => {
    const fake = await createFakeAuth();
    let calls = 0;
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false, onReloginRequired: () => void calls++ });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.revokedRefresh.add(fake.state.lastRefresh);
    await client.refreshCustomData().catch(() => undefined);
    await expect(client.login({ username: 'ann', password: 'wrong' })).rejects.toMatchObject({ code: 'CREDENTIALS_REJECTED' });
    expect(client.status.session).toBe('refreshExpired');
    expect(calls).toBe(1);
    await client.close();
  });
});
