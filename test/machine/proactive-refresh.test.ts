import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MINUTE, startHarness } from './session-harness.ts';

describe('proactive refresh', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('fires at accessExpiresAt − margin, and again one lifetime later', async () => {
    const h = await startHarness({ input: { refreshMarginMs: MINUTE } });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    const loginAt = Date.now();

    await vi.advanceTimersByTimeAsync(29 * MINUTE - 1);
    expect(h.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.refresh).toBe(1);
    expect(Date.now() - loginAt).toBe(29 * MINUTE);
    expect(h.context().refreshTrigger).toBe('proactive');
    expect(h.state()).toBe('active');

    await vi.advanceTimersByTimeAsync(29 * MINUTE);
    expect(h.calls.refresh).toBe(2);
    expect(h.emittedOf('refreshed')).toHaveLength(2);
  });

  it('clamps a 60 s margin on a 2 s token to a quarter of its lifetime instead of looping', async () => {
    const h = await startHarness({ lifetimeMs: 2_000, input: { refreshMarginMs: MINUTE } });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1_499);
    expect(h.calls.refresh).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.refresh).toBe(1);
    // One refresh every 1.5 s for ten seconds, not thousands.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.calls.refresh).toBe(7);
  });

  it('never overflows setTimeout for a token that lives for years', async () => {
    const h = await startHarness({ lifetimeMs: 5 * 365 * 24 * 60 * MINUTE });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.calls.refresh).toBe(0);
    expect(h.state()).toBe('active');
  });

  it('cancels the scheduled refresh on logout', async () => {
    const h = await startHarness();
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.logout' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('loggedOut');
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(h.calls.refresh).toBe(0);
  });
});
