import type { Actor } from 'xstate';
import type { sessionMachine } from '../../machines/session.machine.ts';
import { callSafely, type ClientEventHub } from './client-events.ts';
import type { ClientStatusFeed } from './client-status-feed.ts';
import type { SnapshotWaiter } from './snapshot-waiter.ts';
import type { ReloginInfo, ResolvedSyncClientOptions } from './sync-client-options.ts';
import type { SyncHost } from './sync-host.ts';

/**
 * What {@link relaySessionEvents} listens to and tells.
 *
 * @example
 * ```ts
 * const deps: SessionEventRelayDeps = { actor, status, waiter, events, host, options };
 * ```
 */
export interface SessionEventRelayDeps {
  actor: Actor<typeof sessionMachine>;
  status: ClientStatusFeed;
  waiter: SnapshotWaiter;
  events: ClientEventHub;
  /** Counts the pending writes a relogin reports; null without sync. */
  host: SyncHost | null;
  options: Pick<ResolvedSyncClientOptions, 'logger' | 'onReloginRequired'>;
}

/**
 * Turns the session actor's output into what the app sees: each snapshot updates `client.status`
 * and wakes the callers waiting on a state; the machine's emitted events become `client.on(...)`
 * events, and `reloginRequired` also calls `onReloginRequired` (after the pending writes are counted).
 *
 * @example
 * ```ts
 * relaySessionEvents({ actor, status, waiter, events, host, options });
 * actor.start();
 * ```
 */
export function relaySessionEvents({ actor, status, waiter, events, host, options }: SessionEventRelayDeps): void {
  const { logger } = options;
  actor.subscribe({
    next: (snapshot) => {
      status.session(snapshot);
      waiter.notify();
    },
    error: (error) => logger.error('session actor failed', { error: String((error as Error)?.name) }),
  });
  const reloginRequired = (info: ReloginInfo): void => {
    const hook = options.onReloginRequired;
    if (hook) callSafely(logger, 'onReloginRequired', () => hook(info));
    events.emit('reloginRequired', info);
  };
  actor.on('reloginRequired', ({ userId, reason }) => {
    const base = { userId, reason, lastError: actor.getSnapshot().context.lastError };
    logger.warn('relogin required', { userId, reason });
    if (!host) return reloginRequired({ ...base, pendingWrites: {} });
    // Counted after the pause this same transition sends (the sync's queue keeps the order).
    // A database that could not open has no outbox (its error is already in status.syncError).
    void Promise.resolve()
      .then(() => host.pendingWrites())
      .catch(() => ({}))
      .then((pendingWrites) => reloginRequired({ ...base, pendingWrites }));
  });
  actor.on('refreshed', ({ accessExpiresAt }) => events.emit('refreshed', { accessExpiresAt }));
  actor.on('loggedIn', ({ userId }) => events.emit('loggedIn', { userId }));
  actor.on('loggedOut', ({ userId }) => events.emit('loggedOut', { userId }));
}
