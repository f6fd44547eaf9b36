import { createActor, type Actor, type ActorRefFrom } from 'xstate';
import { createSessionTiming } from '../../machines/session-logic.ts';
import { sessionMachine } from '../../machines/session.machine.ts';
import { createSessionActors, type LoginAttempt, type RefreshIntent, type SessionWriter } from './session-actors.ts';
import type { ResolvedSyncClientOptions } from './sync-client-options.ts';
import type { SyncHost } from './sync-host.ts';
import type { TokenVault } from './token-vault.ts';
import type { PendingWritesInfo } from './user-sync.ts';

/**
 * The running session actor, read-only: for devtools, selectors and `hasTag('reloginRequired')`.
 *
 * @example
 * ```ts
 * client.actor.subscribe((s) => console.log(s.value));
 * ```
 */
export type SessionActor = Pick<ActorRefFrom<typeof sessionMachine>, 'id' | 'sessionId' | 'getSnapshot' | 'getPersistedSnapshot' | 'subscribe' | 'on' | 'system'>;

/**
 * What {@link createSessionActor} wires into the machine.
 *
 * @example
 * ```ts
 * const deps: SessionActorFactoryDeps = { options, vault, writer, host, takeLoginAttempt, takeRefreshIntent, loggedOutWith };
 * ```
 */
export interface SessionActorFactoryDeps {
  options: ResolvedSyncClientOptions;
  vault: TokenVault;
  writer: SessionWriter;
  /** Provides the `replication` actor and sync's part of a logout; null without sync. */
  host: SyncHost | null;
  /** Takes the parked login attempt (at most once). */
  takeLoginAttempt(): LoginAttempt | null;
  /** Takes the parked refresh intent (at most once). */
  takeRefreshIntent(): RefreshIntent | null;
  /** Hears the writes a logout left local, once sync finished its part. */
  loggedOutWith(pendingWrites: Record<string, PendingWritesInfo>): void;
}

/**
 * Creates the session actor, not yet started: the statechart provided with this client's actors
 * (auth, store, refresh lock, sync), its timing (clock, jitter, backoff) and, if given, `inspect`.
 *
 * @example
 * ```ts
 * const actor = createSessionActor({ options, vault, writer, host, takeLoginAttempt, takeRefreshIntent, loggedOutWith });
 * actor.start();
 * ```
 */
export function createSessionActor(deps: SessionActorFactoryDeps): Actor<typeof sessionMachine> {
  const { options, host } = deps;
  const { clock } = options;
  const actors = createSessionActors(
    {
      vault: deps.vault,
      store: options.sessionStore,
      auth: options.auth,
      fetch: options.fetch,
      clock,
      logger: options.logger,
      logoutTimeoutMs: options.logoutTimeoutMs,
      ...(host ? { finishSync: async (input) => deps.loggedOutWith(await host.finishLogout(input)) } : {}),
      takeLoginAttempt: deps.takeLoginAttempt,
      refreshLock: options.refreshLock,
      lockName: `session-sync.refresh:${options.sessionStore.name ?? 'session'}`,
      refreshMarginMs: options.refreshMarginMs,
      takeRefreshIntent: deps.takeRefreshIntent,
    },
    deps.writer,
  );
  const timing = createSessionTiming({ now: () => clock.now(), random: options.random, backoff: options.backoff });
  const provided = host ? { ...actors, replication: host.replicationActor() } : actors;
  const machine = sessionMachine.provide({ actors: provided, guards: timing.guards, delays: timing.delays });
  const input = { refreshMarginMs: options.refreshMarginMs, maxRejectsAfterRefresh: options.maxRejectsAfterRefresh };
  return options.inspect ? createActor(machine, { input, inspect: options.inspect }) : createActor(machine, { input });
}
