import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { sessionMachine } from '../../machines/session.machine.ts';
import { createSessionTiming } from '../../machines/session-logic.ts';
import type { SessionInfo } from '../../machines/session-events.ts';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const timing = createSessionTiming({ now: () => T0, random: () => 0.5 });
const machine = sessionMachine.provide({ guards: timing.guards, delays: timing.delays });

const info = (over: Partial<SessionInfo>): SessionInfo => ({
  userId: 'user-1',
  accessExpiresAt: T0 + HOUR,
  accessLifetimeMs: HOUR,
  refreshExpiresAt: T0 + 100 * HOUR,
  generation: 1,
  ...over,
});
const fail = (kind: string) => ({ kind, code: kind, message: kind });

// The internal done/error/after events have to be supplied, or traversal never leaves restoring.
const events = [
  { type: 'xstate.done.actor.restoreSession', output: null },
  { type: 'xstate.done.actor.restoreSession', output: info({}) },
  { type: 'xstate.done.actor.restoreSession', output: info({ accessExpiresAt: T0 - 1 }) },
  { type: 'xstate.done.actor.restoreSession', output: info({ refreshExpiresAt: T0 - 1 }) },
  { type: 'xstate.error.actor.restoreSession', error: fail('protocol') },
  { type: 'xstate.done.actor.login', output: info({}) },
  { type: 'xstate.done.actor.login', output: info({ userId: 'user-2' }) },
  { type: 'xstate.error.actor.login', error: fail('credentialsRejected') },
  { type: 'xstate.done.actor.refresh', output: { accessExpiresAt: T0 + HOUR, accessLifetimeMs: HOUR, generation: 2 } },
  { type: 'xstate.error.actor.refresh', error: fail('transient') },
  { type: 'xstate.error.actor.refresh', error: fail('refreshRejected') },
  { type: 'xstate.done.actor.logout' },
  { type: 'xstate.error.actor.logout', error: fail('transient') },
  { type: 'xstate.after.refreshDue.session.signedIn.active' },
  { type: 'xstate.after.retryDelay.session.signedIn.refreshing.backoff' },
  { type: 'session.login' },
  { type: 'session.logout' },
  { type: 'session.accessRejected', generation: 1 },
  { type: 'session.accessAccepted', generation: 1 },
  { type: 'session.wake', reason: 'online' },
  { type: 'session.refreshRequested' },
  { type: 'session.adopted', session: info({ generation: 3 }) },
] as const;

function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => allStateNodes(child))];
}

// A leaf with an unguarded `always` is transient: never observed, so not a target of the walk.
const stableLeafValues = allStateNodes(machine.root)
  .filter((node) => node.type === 'atomic' && !node.always?.some((t) => t.guard === undefined))
  .map((node) =>
    JSON.stringify(node.path.reduceRight<unknown>((value, key) => (value === undefined ? key : { [key]: value }), undefined)),
  );

describe('session machine graph', () => {
  const paths = getShortestPaths(machine, {
    input: {},
    events: events as never,
    serializeState: (s) => JSON.stringify(s.value),
  });
  const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));

  it('reaches every stable state from the initial one', () => {
    // restoring, loggedOut, loggingIn, active, requesting, backoff, refreshExpired, reloggingIn, closingSync, loggingOut
    expect(stableLeafValues).toHaveLength(10);
    expect([...reached].sort()).toEqual([...stableLeafValues].sort());
  });

  it('every after key names a defined delay (a typo would fire after ~0 ms)', () => {
    const delays = Object.keys(sessionMachine.implementations.delays);
    const used = allStateNodes(machine.root).flatMap((node) => node.after.map((t) => t.delay));
    expect(used.length).toBeGreaterThanOrEqual(2);
    for (const delay of used) expect(delays).toContain(delay);
  });

  it('every invoke has an onError, so no actor failure can stop the root', () => {
    const invokes = allStateNodes(machine.root).flatMap((node) =>
      node.invoke.map((inv) => ({ node, id: inv.id })),
    );
    for (const { node, id } of invokes) {
      expect(node.on[`xstate.error.actor.${id}`], `${node.id} → ${id}`).toBeDefined();
    }
  });
});
