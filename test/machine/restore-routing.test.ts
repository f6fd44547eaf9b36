import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestoredSession } from '../../machines/session-events.ts';
import { MINUTE, startHarness } from './session-harness.ts';

const session = (over: Partial<RestoredSession>): RestoredSession => ({
  userId: 'user-1',
  accessExpiresAt: Date.now() + 30 * MINUTE,
  accessLifetimeMs: 30 * MINUTE,
  refreshExpiresAt: Date.now() + 60 * 24 * 60 * MINUTE,
  generation: 7,
  ...over,
});

describe('start() routes by the persisted session', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('nothing stored → loggedOut', async () => {
    const h = await startHarness({ restored: () => null });
    expect(h.state()).toBe('loggedOut');
    expect(h.calls.restore).toBe(1);
  });

  it('fresh access token → active, with the refresh scheduled, not sent', async () => {
    const h = await startHarness({ restored: () => session({}) });
    expect(h.state()).toBe('active');
    expect(h.context()).toMatchObject({ userId: 'user-1', generation: 7 });
    await vi.advanceTimersByTimeAsync(29 * MINUTE - 1);
    expect(h.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.refresh).toBe(1);
  });

  it('expired access token → refreshing (trigger restore) → active', async () => {
    const h = await startHarness({ restored: () => session({ accessExpiresAt: Date.now() - 1 }) });
    expect(h.refreshTriggers).toEqual(['restore']);
    expect(h.calls.refresh).toBe(1);
    expect(h.state()).toBe('active');
    expect(h.context().refreshTrigger).toBe('restore');
  });

  it('access token inside the margin → refreshing at once', async () => {
    const h = await startHarness({ restored: () => session({ accessExpiresAt: Date.now() + 30_000 }) });
    expect(h.calls.refresh).toBe(1);
    expect(h.state()).toBe('active');
  });

  it('refresh token known expired → refreshExpired and one reloginRequired, no request', async () => {
    const h = await startHarness({
      restored: () => session({ accessExpiresAt: Date.now() - MINUTE, refreshExpiresAt: Date.now() - 1 }),
    });
    expect(h.state()).toBe('refreshExpired');
    expect(h.calls.refresh).toBe(0);
    expect(h.emittedOf('reloginRequired')).toEqual([
      { type: 'reloginRequired', userId: 'user-1', reason: 'refreshExpired' },
    ]);
  });

  it('unknown refresh expiry (opaque token) with an expired access token still tries a refresh', async () => {
    const h = await startHarness({
      restored: () => session({ accessExpiresAt: Date.now() - MINUTE, refreshExpiresAt: null }),
    });
    expect(h.calls.refresh).toBe(1);
    expect(h.state()).toBe('active');
  });

  it('a failing store → loggedOut with the error recorded', async () => {
    const h = await startHarness({
      restored: () => {
        throw Object.assign(new Error('disk'), { kind: 'protocol', code: 'STORE' });
      },
    });
    expect(h.state()).toBe('loggedOut');
    expect(h.context().lastError?.code).toBe('STORE');
  });
});
