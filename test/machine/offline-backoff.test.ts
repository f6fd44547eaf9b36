import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure, HOUR, MINUTE, startHarness } from './session-harness.ts';

describe('offline is not expired', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('stays signed in through six hours of failed refreshes and recovers when the network returns', async () => {
    let online = true;
    const h = await startHarness({
      refresh: async (_, refreshed) => {
        if (!online) throw failure('transient', { code: 'NETWORK' });
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    online = false;

    const states = new Set<string>();
    const sub = h.actor.subscribe(() => states.add(h.state()));
    await vi.advanceTimersByTimeAsync(6 * HOUR);
    sub.unsubscribe();

    // Signed in all along: only ever active or refreshing, never expired or logged out.
    expect(states).toEqual(new Set(['refreshing']));
    expect(h.emittedOf('reloginRequired')).toHaveLength(0);
    // Capped backoff: at most one attempt every ~30 s on average (cap 60 s, jitter 0.5), not a spin.
    expect(h.calls.refresh).toBeGreaterThan(300);
    expect(h.calls.refresh).toBeLessThan(800);
    expect(h.context().lastError?.kind).toBe('transient');

    online = true;
    h.actor.send({ type: 'session.wake', reason: 'online' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    expect(h.context().failedRefreshes).toBe(0);
    expect(h.context().lastError).toBeNull();
  });

  it('backs off exponentially with jitter, capped', async () => {
    const attempts: number[] = [];
    const h = await startHarness({
      random: () => 1,
      refresh: async (_, refreshed) => {
        attempts.push(Date.now());
        throw failure('transient');
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    const gaps = attempts.slice(1, 10).map((t, i) => t - attempts[i]!);
    expect(gaps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('honours Retry-After on 429 and does not let a wake signal jump it', async () => {
    const attempts: number[] = [];
    const h = await startHarness({
      random: () => 0,
      refresh: async (call, refreshed) => {
        attempts.push(Date.now());
        if (call === 1) throw failure('rateLimited', { retryAfterMs: 120_000 });
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.wake', reason: 'focus' });
    await vi.advanceTimersByTimeAsync(119_999);
    expect(h.calls.refresh).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.refresh).toBe(2);
    expect(h.state()).toBe('active');
  });

  it('retries at once when a 401 shows the server is reachable again', async () => {
    let online = false;
    const h = await startHarness({
      refresh: async (_, refreshed) => {
        if (!online) throw failure('transient');
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.actor.getSnapshot().matches({ signedIn: { refreshing: 'backoff' } })).toBe(true);
    online = true;
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    expect(h.calls.refresh).toBe(2);
  });
});
