import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure, startHarness } from './session-harness.ts';

describe('emitted events', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('tell listeners every session change, refresh, login, expiry and logout, in order', async () => {
    const h = await startHarness({
      refresh: async (call, refreshed) => {
        if (call === 2) throw failure('refreshRejected');
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.logout' });
    await vi.advanceTimersByTimeAsync(0);

    const summary = h.emitted.map((e) =>
      e.type === 'sessionChanged' ? `${e.session}(${e.userId})` : e.type === 'refreshed' ? 'refreshed' : `${e.type}:${'reason' in e ? e.reason : e.userId}`,
    );
    expect(summary).toEqual([
      'restoring(null)',
      'loggedOut(null)',
      'loggingIn(null)',
      'loggedIn:user-1',
      'active(user-1)',
      'refreshing(user-1)',
      'refreshed',
      'active(user-1)',
      'refreshing(user-1)',
      'reloginRequired:refreshRejected',
      'refreshExpired(user-1)',
      'loggingIn(user-1)',
      'loggedIn:user-1',
      'active(user-1)',
      'loggingOut(user-1)',
      'loggedOut:user-1',
      'loggedOut(null)',
    ]);
  });
});
