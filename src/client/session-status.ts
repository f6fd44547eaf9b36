import { BehaviorSubject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { ReloginReason, SessionErrorInfo, SessionState } from '../../machines/session-events.ts';
import { sessionStateOf } from '../../machines/session-logic.ts';
import type { MigrationProgress } from '../sync/schema-migration.ts';
import type { SyncTab, TabSyncStatus } from '../sync/tab-sync.ts';
import type { SessionSnapshot } from './public-types.ts';

// client.status: the session from machine snapshots, the sync from the replication's own stream.

/**
 * What `status.sync` shows: `running` (replicating, or idle and in sync), `paused` (held by the
 * session: `refreshExpired`), `offline` (server unreachable; retrying with backoff), `stalled`
 * (reachable, but nothing succeeded for `sync.stalledAfterMs`; in a follower tab also: no leader
 * tab answers, see `syncTab`), `error` (sync cannot start: no WebSocket, a storage that cannot
 * open, a schema RxDB refuses; `syncError` names the cause, code `SYNC_UNAVAILABLE`), `off`
 * (nobody signed in, no collections configured, or the user's database is still opening). In a
 * follower tab it is what the leader tab reports.
 *
 * @example
 * ```ts
 * if (client.status.sync === 'offline') showBanner('changes are saved on this device');
 * if (client.status.sync === 'error') reportBug(client.status.syncError?.message);
 * ```
 */
export type ClientSyncState = 'running' | 'paused' | 'offline' | 'stalled' | 'error' | 'off';

/**
 * The sync part of the status, for the signed-in user's database.
 */
export interface SyncStatusFields {
  sync: ClientSyncState;
  /** Local writes the server has not accepted yet (refused ones are counted in `rejected`). */
  pendingWrites: number;
  /** Local epoch ms of the last successful pull / push, or null. */
  lastPulledAt: number | null;
  lastPushedAt: number | null;
  /** Documents pulled by the first sync of this database, and whether it has finished. */
  initialSync: { pulled: number; done: boolean };
  /** Documents the server refused, waiting for `retryRejected` / `discardRejected`. */
  rejected: number;
  /**
   * What keeps sync from running, classified (no token, no raw cause): the last failure, cleared
   * once a later request or connect succeeds; with `sync: 'error'`, why sync cannot start.
   */
  syncError: SessionErrorInfo | null;
  /**
   * Which tab replicates this database (browser tabs share it; RxDB elects one): `leader` (this
   * one; also every single-tab app and Node), `follower` (another; the fields above are its
   * report), `noLeader` (another should, but none answers: `sync` shows `stalled`), null when off.
   */
  syncTab: SyncTab | null;
  /**
   * RxDB's schema migration of the user's database after an app upgrade, while it runs (sync starts
   * once it is done): `{ collection, done, total }`; null otherwise.
   */
  migration: MigrationProgress | null;
}

/**
 * The session and its sync as the app sees them: `client.status` and each value of
 * `client.status$`. Times are local-clock epoch ms. No token, ever.
 *
 * @example
 * ```ts
 * client.status$.subscribe(({ session, sync, pendingWrites }) => render(session, sync, pendingWrites));
 * ```
 */
export interface SessionStatus extends SyncStatusFields {
  session: SessionState;
  userId: string | null;
  lastError: SessionErrorInfo | null;
  accessExpiresAt: number | null;
  refreshExpiresAt: number | null;
  reloginReason: ReloginReason | null;
}

const SYNC_OFF: SyncStatusFields = {
  sync: 'off',
  pendingWrites: 0,
  lastPulledAt: null,
  lastPushedAt: null,
  initialSync: { pulled: 0, done: false },
  rejected: 0,
  syncError: null,
  syncTab: null,
  migration: null,
};

/**
 * The sync fields of a replication status (or `off` without one).
 */
export function syncFieldsOf(status: TabSyncStatus | null): SyncStatusFields {
  if (!status) return SYNC_OFF;
  const error = status.lastError;
  return {
    sync: status.sync,
    pendingWrites: status.pendingWrites,
    lastPulledAt: status.lastPulledAt,
    lastPushedAt: status.lastPushedAt,
    initialSync: status.initialSync,
    rejected: status.rejected,
    syncError: error ? { kind: error.kind, code: error.code, message: error.message } : null,
    syncTab: status.tab,
    migration: status.migration ?? null,
  };
}

/**
 * Derives the public status from a machine snapshot.
 */
export function statusOf(snapshot: SessionSnapshot, sync: SyncStatusFields = SYNC_OFF): SessionStatus {
  const { context } = snapshot;
  return {
    ...sync,
    session: sessionStateOf(snapshot.value),
    userId: context.userId,
    lastError: context.lastError,
    accessExpiresAt: context.accessExpiresAt,
    refreshExpiresAt: context.refreshExpiresAt,
    reloginReason: context.reloginReason,
  };
}

/**
 * True when two statuses show the same thing (so `status$` emits only real changes).
 */
export function sameStatus(a: SessionStatus, b: SessionStatus): boolean {
  return (
    a.session === b.session &&
    a.userId === b.userId &&
    a.accessExpiresAt === b.accessExpiresAt &&
    a.refreshExpiresAt === b.refreshExpiresAt &&
    a.reloginReason === b.reloginReason &&
    a.lastError?.code === b.lastError?.code &&
    a.lastError?.message === b.lastError?.message &&
    a.sync === b.sync &&
    a.pendingWrites === b.pendingWrites &&
    a.lastPulledAt === b.lastPulledAt &&
    a.lastPushedAt === b.lastPushedAt &&
    a.initialSync.pulled === b.initialSync.pulled &&
    a.initialSync.done === b.initialSync.done &&
    a.rejected === b.rejected &&
    a.syncError?.code === b.syncError?.code &&
    a.syncError?.message === b.syncError?.message &&
    a.syncTab === b.syncTab &&
    a.migration?.collection === b.migration?.collection &&
    a.migration?.done === b.migration?.done &&
    a.migration?.total === b.migration?.total
  );
}

/**
 * `client.status$`: the session (from machine snapshots) and the signed-in user's sync (from the
 * replication's own status stream, so per-document churn never passes through the machine),
 * merged and emitted only on real changes. `onSessionChanged` hears when `session` or `userId` moved.
 */
export class ClientStatusFeed {
  readonly #status: BehaviorSubject<SessionStatus>;
  readonly #onSessionChanged: (status: SessionStatus) => void;
  #snapshot: SessionSnapshot;
  #sync: SyncStatusFields = syncFieldsOf(null);
  #subscription: Subscription | null = null;

  constructor(snapshot: SessionSnapshot, onSessionChanged: (status: SessionStatus) => void) {
    this.#snapshot = snapshot;
    this.#onSessionChanged = onSessionChanged;
    this.#status = new BehaviorSubject(statusOf(snapshot));
  }

  get value(): SessionStatus {
    return this.#status.value;
  }

  get status$(): Observable<SessionStatus> {
    return this.#status.asObservable();
  }

  /** A new machine snapshot. */
  session(snapshot: SessionSnapshot): void {
    this.#snapshot = snapshot;
    this.#publish();
  }

  /** Follows the sync status of whoever is signed in (null: sync off). */
  follow(sync$: Observable<TabSyncStatus | null>): void {
    this.#subscription = sync$.subscribe((status) => {
      this.#sync = syncFieldsOf(status);
      this.#publish();
    });
  }

  complete(): void {
    this.#subscription?.unsubscribe();
    this.#status.complete();
  }

  #publish(): void {
    const status = statusOf(this.#snapshot, this.#sync);
    const previous = this.#status.value;
    if (!sameStatus(status, previous)) this.#status.next(status);
    if (status.session !== previous.session || status.userId !== previous.userId) this.#onSessionChanged(status);
  }
}
