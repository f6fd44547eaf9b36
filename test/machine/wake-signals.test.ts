import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOUR, MINUTE, startHarness } from './session-harness.ts';

describe('wake signals re-check expiry', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('a sleep past exp refreshes exactly once on wake, before any request uses the token', async () => {
    const h = await startHarness();
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    // The laptop sleeps all weekend: wall time moves, timers do not fire.
    vi.setSystemTime(Date.now() + 60 * HOUR);
    expect(h.calls.refresh).toBe(0);

    h.actor.send({ type: 'session.wake', reason: 'visibility' });
    h.actor.send({ type: 'session.wake', reason: 'focus' });
    h.actor.send({ type: 'session.wake', reason: 'online' });
    expect(h.state()).toBe('refreshing');
    expect(h.context().refreshTrigger).toBe('wake');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.calls.refresh).toBe(1);
    expect(h.state()).toBe('active');
    expect(h.context().accessExpiresAt).toBe(Date.now() + 30 * MINUTE);

    // The stale timer from before the sleep was cancelled: no second refresh.
    await vi.advanceTimersByTimeAsync(29 * MINUTE - 1);
    expect(h.calls.refresh).toBe(1);
  });

  it('a wake with a still-valid token only recomputes the timer from the current clock', async () => {
    const h = await startHarness();
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    // Slept 20 minutes: the old 29-minute timer would now fire 20 minutes late.
    vi.setSystemTime(Date.now() + 20 * MINUTE);
    h.actor.send({ type: 'session.wake', reason: 'clockJump' });
    expect(h.state()).toBe('active');
    expect(h.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(9 * MINUTE - 1);
    expect(h.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.refresh).toBe(1);
  });
});
