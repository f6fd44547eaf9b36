import { BehaviorSubject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { TabSyncStatus } from '../sync/tab-sync.ts';
import { sameStatus, statusOf, syncFieldsOf } from './session-status.ts';
import type { SessionSnapshot, SessionStatus, SyncStatusFields } from './session-status.ts';

/**
 * `client.status$`: the session (from machine snapshots) and the signed-in user's sync (from the
 * replication's own status stream, so per-document churn never passes through the machine),
 * merged and emitted only on real changes. `onSessionChanged` hears when `session` or `userId` moved.
 *
 * @example
 * ```ts
 * const feed = new ClientStatusFeed(actor.getSnapshot(), (status) => events.emit('sessionChanged', status));
 * actor.subscribe((snapshot) => feed.session(snapshot));
 * feed.follow(host.status$);
 * ```
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
