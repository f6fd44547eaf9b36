import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHarness } from './session-harness.ts';

describe('401 right after every refresh', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('ends in refreshExpired with reason accessRejectedAfterRefresh after maxRejectsAfterRefresh refreshes', async () => {
    const h = await startHarness({ input: { maxRejectsAfterRefresh: 3 } });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10 && h.state() !== 'refreshExpired'; i++) {
      h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(h.state()).toBe('refreshExpired');
    expect(h.calls.refresh).toBe(3);
    expect(h.context().reloginReason).toBe('accessRejectedAfterRefresh');
    expect(h.emittedOf('reloginRequired')).toEqual([
      { type: 'reloginRequired', userId: 'user-1', reason: 'accessRejectedAfterRefresh' },
    ]);
  });

  it('an accepted request resets the count, so ordinary expiries never add up', async () => {
    const h = await startHarness({ input: { maxRejectsAfterRefresh: 3 } });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10; i++) {
      h.actor.send({ type: 'session.accessAccepted', generation: h.context().generation });
      h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(h.state()).toBe('active');
    expect(h.calls.refresh).toBe(10);
  });

  it('ignores an acceptance reported for an older token', async () => {
    const h = await startHarness({ input: { maxRejectsAfterRefresh: 1 } });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    const first = h.context().generation;
    h.actor.send({ type: 'session.accessRejected', generation: first });
    await vi.advanceTimersByTimeAsync(0);
    h.actor.send({ type: 'session.accessAccepted', generation: first });
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    expect(h.state()).toBe('refreshExpired');
  });
});
