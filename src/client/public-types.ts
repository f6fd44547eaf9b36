import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { sessionMachine } from '../../machines/session.machine.ts';
import type { PendingWritesInfo } from '../sync/user-sync.ts';

// The types users write against the facade (its options and status have files of their own).

/**
 * The signed-in user, without raw tokens: `client.user`.
 *
 * @example
 * ```ts
 * const plan = client.user?.customData['plan'];
 * ```
 */
export interface SyncUser {
  id: string;
  customData: Record<string, unknown>;
  accessTokenExpiresAt: number | null;
  refreshTokenExpiresAt: number | null;
}

/**
 * Options of `client.logout()`.
 *
 * @example
 * ```ts
 * await client.logout({ wipe: true });
 * ```
 */
export interface LogoutOptions {
  /** Also delete this user's local database. Default false: it stays for their return. */
  wipe?: boolean;
  /** First try this long to push pending writes. Default: no flush. */
  flushTimeoutMs?: number;
}

/**
 * What `client.logout()` resolves with: the writes that stayed on this device, per collection
 * (deleted with the database when `wipe` was set).
 *
 * @example
 * ```ts
 * const { pendingWrites } = await client.logout({ flushTimeoutMs: 5_000 });
 * if (pendingWrites.todo?.count) warn(`${pendingWrites.todo.count} changes were not uploaded`);
 * ```
 */
export interface LogoutResult {
  pendingWrites: Record<string, PendingWritesInfo>;
}

/**
 * The running session actor, read-only: for devtools, selectors and tags
 * (`client.actor.getSnapshot().hasTag('reloginRequired')`).
 *
 * @example
 * ```ts
 * client.actor.subscribe((s) => console.log(s.value));
 * ```
 */
export type SessionActor = Pick<ActorRefFrom<typeof sessionMachine>, 'id' | 'sessionId' | 'getSnapshot' | 'getPersistedSnapshot' | 'subscribe' | 'on' | 'system'>;

/** A snapshot of the session machine: `client.actor.getSnapshot()`. */
export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;
