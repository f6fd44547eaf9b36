import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogoutInput } from '../../machines/session-events.ts';
import { failure, startHarness } from './session-harness.ts';

describe('logout', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('passes wipe and flush options to the logout actor and clears the context', async () => {
    const inputs: LogoutInput[] = [];
    const h = await startHarness({ logout: async (input) => void inputs.push(input) });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.logout', wipe: true, flushTimeoutMs: 500 });
    expect(h.state()).toBe('loggingOut');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('loggedOut');
    expect(inputs).toEqual([{ wipe: true, flushTimeoutMs: 500 }]);
    expect(h.context()).toMatchObject({ userId: null, accessExpiresAt: null, generation: 0 });
    expect(h.emittedOf('loggedOut')).toEqual([{ type: 'loggedOut', userId: 'user-1' }]);
  });

  it('a failing logout actor still ends loggedOut', async () => {
    const h = await startHarness({
      logout: async () => {
        throw failure('transient');
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.logout' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('loggedOut');
  });

  it('works from refreshExpired, from a backoff, and while logging in', async () => {
    const h = await startHarness({
      refresh: async () => {
        throw failure('transient');
      },
      login: async (_, loginAs) => {
        await new Promise((r) => setTimeout(r, 1_000));
        return loginAs('user-1');
      },
    });
    h.actor.send({ type: 'session.login' });
    h.actor.send({ type: 'session.logout' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.state()).toBe('loggedOut');
    expect(h.emittedOf('loggedIn')).toHaveLength(0);

    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(1_000);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.actor.getSnapshot().matches({ signedIn: { refreshing: 'backoff' } })).toBe(true);
    h.actor.send({ type: 'session.logout' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('loggedOut');
    expect(h.calls.logout).toBe(2);
  });
});
