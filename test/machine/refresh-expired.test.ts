import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure, HOUR, startHarness, type HarnessOptions } from './session-harness.ts';

describe('refreshExpired and relogin', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  const expiredHarness = async (login?: HarnessOptions['login']) => {
    const h = await startHarness({
      refresh: async () => {
        throw failure('refreshRejected', { code: 'InvalidSession' });
      },
      ...(login ? { login } : {}),
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('refreshExpired');
    return h;
  };

  it('a rejected refresh token gives refreshExpired, the tag, and exactly one reloginRequired', async () => {
    const h = await expiredHarness();
    expect(h.state()).toBe('refreshExpired');
    expect(h.actor.getSnapshot().hasTag('reloginRequired')).toBe(true);
    expect(h.emittedOf('reloginRequired')).toEqual([
      { type: 'reloginRequired', userId: 'user-1', reason: 'refreshRejected' },
    ]);
    expect(h.context().lastError).toEqual({ kind: 'refreshRejected', code: 'InvalidSession', message: 'refreshRejected failure' });

    // Nothing brings it back by itself: no timers, no retries, no second hook call.
    h.actor.send({ type: 'session.wake', reason: 'online' });
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    h.actor.send({ type: 'session.refreshRequested' });
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(h.state()).toBe('refreshExpired');
    expect(h.calls.refresh).toBe(1);
    expect(h.emittedOf('reloginRequired')).toHaveLength(1);
  });

  it('relogin as the same user returns to active without leaving signedIn', async () => {
    const h = await expiredHarness();
    const exits: string[] = [];
    h.actor.subscribe((s) => {
      if (!s.matches('signedIn')) exits.push(JSON.stringify(s.value));
    });
    h.actor.send({ type: 'session.login' });
    expect(h.state()).toBe('loggingIn');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    expect(exits).toEqual([]);
    expect(h.context().reloginReason).toBeNull();
    expect(h.emittedOf('loggedIn')).toHaveLength(2);
  });

  it("another tab's relogin of the same user resumes this tab's replication in place, with its session", async () => {
    const h = await expiredHarness();
    const adopted = { ...h.loginAs('user-1'), refreshExpiresAt: Date.now() + HOUR };
    h.replication.length = 0;
    h.actor.send({ type: 'session.adopted', session: adopted });
    expect(h.state()).toBe('active');
    expect(h.context()).toMatchObject({ generation: adopted.generation, refreshExpiresAt: adopted.refreshExpiresAt, reloginReason: null });
    expect(h.replication).toEqual(['resume']);
    expect(h.emittedOf('loggedIn')).toHaveLength(2);
    expect(h.calls).toMatchObject({ login: 1, refresh: 1 });
  });

  it("another tab's login of another user, or an adoption outside refreshExpired, changes nothing", async () => {
    const h = await expiredHarness();
    h.actor.send({ type: 'session.adopted', session: h.loginAs('user-2') });
    expect(h.state()).toBe('refreshExpired');
    expect(h.context().userId).toBe('user-1');

    const active = await startHarness();
    active.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    const generation = active.context().generation;
    active.actor.send({ type: 'session.adopted', session: active.loginAs('user-1') });
    expect(active.state()).toBe('active');
    expect(active.context().generation).toBe(generation);
  });

  it('relogin as another user re-enters signedIn for the new user', async () => {
    const h = await expiredHarness(async (call, loginAs) => loginAs(call === 1 ? 'user-1' : 'user-2'));
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('active');
    expect(h.context().userId).toBe('user-2');
  });

  it('a failed relogin goes back to refreshExpired without calling the hook again', async () => {
    const h = await expiredHarness(async (call, loginAs) => {
      if (call === 2) throw failure('credentialsRejected', { code: 'CREDENTIALS_REJECTED' });
      return loginAs('user-1');
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state()).toBe('refreshExpired');
    expect(h.context().lastError?.code).toBe('CREDENTIALS_REJECTED');
    expect(h.emittedOf('reloginRequired')).toHaveLength(1);
  });

  it('a refresh token known to be expired is not sent at all', async () => {
    const h = await startHarness({
      login: async (_, loginAs) => ({ ...loginAs('user-1'), refreshExpiresAt: Date.now() + 10 * 60_000 }),
    });
    h.actor.send({ type: 'session.login' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    expect(h.state()).toBe('refreshExpired');
    expect(h.calls.refresh).toBe(0);
    expect(h.emittedOf('reloginRequired')).toEqual([
      { type: 'reloginRequired', userId: 'user-1', reason: 'refreshExpired' },
    ]);
  });
});
