import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHarness } from './session-harness.ts';

describe('reactive refresh', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('turns 50 rejections of one token generation into exactly one refresh', async () => {
    let release!: () => void;
    const h = await startHarness({
      refresh: async (_, refreshed) => {
        await new Promise<void>((resolve) => (release = resolve));
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    const rejected = h.context().generation;

    for (let i = 0; i < 50; i++) h.actor.send({ type: 'session.accessRejected', generation: rejected });
    expect(h.state()).toBe('refreshing');
    expect(h.context().refreshTrigger).toBe('reactive');
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);

    // Late 401s from requests that still carried the old token change nothing.
    for (let i = 0; i < 50; i++) h.actor.send({ type: 'session.accessRejected', generation: rejected });
    expect(h.state()).toBe('active');
    expect(h.context().generation).toBe(rejected + 1);
    expect(h.calls.refresh).toBe(1);
  });

  it('upgrades a proactive refresh in flight to reactive when its token is rejected', async () => {
    let release!: () => void;
    const h = await startHarness({
      refresh: async (_, refreshed) => {
        await new Promise<void>((resolve) => (release = resolve));
        return refreshed();
      },
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.refreshRequested' });
    expect(h.context().refreshTrigger).toBe('forced');
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    expect(h.context().refreshTrigger).toBe('reactive');
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.calls.refresh).toBe(1);
    expect(h.state()).toBe('active');
  });
});
