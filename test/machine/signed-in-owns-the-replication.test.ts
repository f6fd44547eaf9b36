import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { createSessionTiming } from '../../machines/session-logic.ts';
import { sessionMachine } from '../../machines/session.machine.ts';
import { failure, HOUR, startHarness } from './session-harness.ts';

// signedIn invokes one replication per user: refreshes never tear it down, refreshExpired pauses
// it (never cancels), a new token reconnects its socket, and another user gets a fresh one.
describe('signedIn owns the replication', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  const settle = () => vi.advanceTimersByTimeAsync(0);

  it('opens on login, resumes when active, survives a proactive refresh and reconnects with the new token', async () => {
    const h = await startHarness({ lifetimeMs: HOUR });
    h.actor.send({ type: 'session.login' });
    await settle();
    expect(h.state()).toBe('active');
    expect(h.replication).toEqual(['open user-1', 'resume']);

    await vi.advanceTimersByTimeAsync(HOUR);
    expect(h.calls.refresh).toBeGreaterThanOrEqual(1);
    expect(h.state()).toBe('active');
    // Still the same actor: no close, no second open.
    expect(h.replication.slice(0, 5)).toEqual(['open user-1', 'resume', 'resume', 'reconnect', 'resume']);
    expect(h.replication.filter((c) => c.startsWith('open') || c.startsWith('close'))).toEqual(['open user-1']);
  });

  it('refreshExpired pauses (never closes); relogin as the same user resumes the same replication', async () => {
    let logins = 0;
    const h = await startHarness({
      refresh: async () => {
        throw failure('refreshRejected');
      },
      login: async (_call, loginAs) => {
        logins++;
        return loginAs('user-1');
      },
    });
    h.actor.send({ type: 'session.login' });
    await settle();
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    await settle();
    expect(h.state()).toBe('refreshExpired');
    expect(h.replication.at(-1)).toBe('pause');
    expect(h.replication).not.toContain('close user-1');

    h.actor.send({ type: 'session.login' });
    await settle();
    expect(logins).toBe(2);
    expect(h.state()).toBe('active');
    expect(h.replication.at(-1)).toBe('resume');
    expect(h.replication.filter((c) => c.startsWith('open') || c.startsWith('close'))).toEqual(['open user-1']);
  });

  it('relogin as another user closes the first replication and opens one for the new user', async () => {
    const h = await startHarness({
      refresh: async () => {
        throw failure('refreshRejected');
      },
      login: async (call, loginAs) => loginAs(call === 1 ? 'user-a' : 'user-b'),
    });
    h.actor.send({ type: 'session.login' });
    await settle();
    h.actor.send({ type: 'session.accessRejected', generation: h.context().generation });
    await settle();
    h.actor.send({ type: 'session.login' });
    await settle();
    expect(h.context().userId).toBe('user-b');
    expect(h.replication).toEqual(['open user-a', 'resume', 'resume', 'pause', 'close user-a', 'open user-b', 'resume']);
  });

  it('a wake retries the replication now; logout closes it', async () => {
    const h = await startHarness();
    h.actor.send({ type: 'session.login' });
    await settle();
    h.actor.send({ type: 'session.wake', reason: 'online' });
    await settle();
    expect(h.replication.at(-2)).toBe('wake');
    h.actor.send({ type: 'session.logout' });
    await settle();
    expect(h.state()).toBe('loggedOut');
    expect(h.replication.at(-1)).toBe('close user-1');
  });

  it('no replication exists while logged out or logging in', async () => {
    const h = await startHarness({ login: () => new Promise(() => undefined) });
    expect(h.replication).toEqual([]);
    h.actor.send({ type: 'session.login' });
    await settle();
    expect(h.state()).toBe('loggingIn');
    expect(Object.keys(h.actor.getSnapshot().children)).not.toContain('replication');
  });

  it('pure transition: entering refreshExpired sends pause to the replication', () => {
    const T0 = Date.UTC(2026, 0, 1);
    const timing = createSessionTiming({ now: () => T0, random: () => 0.5 });
    const machine = sessionMachine.provide({ guards: timing.guards, delays: timing.delays });
    const [restoring] = initialTransition(machine, {});
    const info = { userId: 'u1', accessExpiresAt: T0 + HOUR, accessLifetimeMs: HOUR, refreshExpiresAt: null, generation: 1 };
    const [active, entryActions] = transition(machine, restoring, { type: 'xstate.done.actor.restoreSession', output: info } as never);
    expect(active.matches({ signedIn: 'active' })).toBe(true);
    const spawned = entryActions.filter((a) => a.type === 'xstate.spawnChild').map((a) => ((a as { params?: unknown }).params as { id: string }).id);
    expect(spawned).toContain('replication');
    const sent = (actions: typeof entryActions) =>
      actions.filter((a) => a.type === 'xstate.sendTo').map((a) => (a.params as { event: { type: string } }).event.type);
    expect(sent(entryActions)).toEqual(['replication.resume']);

    const [refreshing] = transition(machine, active, { type: 'session.accessRejected', generation: 1 });
    const [expired, actions] = transition(machine, refreshing, {
      type: 'xstate.error.actor.refresh',
      error: failure('refreshRejected'),
    } as never);
    expect(expired.matches({ signedIn: 'refreshExpired' })).toBe(true);
    expect(sent(actions)).toEqual(['replication.pause']);
    // Only the finished refresh is stopped; the replication lives on.
    const stopped = actions.filter((a) => (a.type as string) === 'xstate.stopChild').map((a) => ((a as { params?: unknown }).params as { id: string }).id);
    expect(stopped).toEqual(['refresh']);
  });
});
