import { BehaviorSubject, EMPTY, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RxCollection } from 'rxdb';
import type { ReplicationCommand, ReplicationInput } from '../../machines/session-events.ts';
import { fromCallback } from 'xstate';
import type { TokenSource } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { RejectedDocument } from '../sync/rejected-documents.ts';
import type { SyncEngine } from '../sync/sync-engine.ts';
import type { TabSyncStatus } from '../sync/tab-sync.ts';
import { SessionError } from '../errors/session-error.ts';
import type { ResolvedSyncOptions } from './sync-options.ts';
import { UserSync } from './user-sync.ts';
import type { PendingWritesInfo } from './user-sync.ts';

/**
 * A conflict the server reported and the collection's conflict handler resolved.
 *
 * @example
 * ```ts
 * client.conflicts$.subscribe(({ collection, input, output }) => audit(collection, input, output));
 * ```
 */
export interface SyncConflict {
  collection: string;
  /** `{ newDocumentState, assumedMasterState?, realMasterState }` as RxDB gave it to the handler. */
  input: unknown;
  /** The state the handler chose (it is written locally and pushed next). */
  output: unknown;
}

/**
 * What the host needs to open each user's sync.
 *
 * @example
 * ```ts
 * const host = new SyncHost({ options, tokens, fetch, clock, logger });
 * ```
 */
export interface SyncHostDeps {
  options: ResolvedSyncOptions;
  tokens: TokenSource;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
}

/**
 * Holds the sync of whichever user is signed in. The session machine's `replication` actor
 * attaches a user's sync when `signedIn` is entered and detaches it when left: detaching closes
 * that user's database (their outbox stays on disk), except during a logout, whose actor decides
 * (flush, wipe). Opening waits for earlier closes, so the same user can come straight back.
 *
 * @example
 * ```ts
 * const host = new SyncHost(deps);
 * const machine = sessionMachine.provide({ actors: { replication: host.replicationActor() } });
 * ```
 */
export class SyncHost {
  readonly #deps: SyncHostDeps;
  readonly #current = new BehaviorSubject<UserSync | null>(null);
  #closing: Promise<void> = Promise.resolve();
  #logoutExpected = false;
  #leaving: UserSync | null = null;

  constructor(deps: SyncHostDeps) {
    this.#deps = deps;
  }

  /** The signed-in user's sync, or null. */
  get current(): UserSync | null {
    return this.#current.value;
  }

  /** The current user's sync status (in a follower tab: the leader tab's); null when nobody is signed in or the database is opening. */
  get status$(): Observable<TabSyncStatus | null> {
    return this.#current.pipe(switchMap((sync) => (sync ? sync.status$ : of(null))));
  }

  get rejected$(): Observable<RejectedDocument[]> {
    return this.#engine$().pipe(switchMap((engine) => (engine ? engine.rejected$ : of([]))));
  }

  get conflicts$(): Observable<SyncConflict> {
    return this.#engine$().pipe(switchMap((engine) => (engine ? engine.conflict$ : EMPTY)));
  }

  /** The `replication` actor the session machine invokes in `signedIn`. */
  replicationActor() {
    return fromCallback<ReplicationCommand, ReplicationInput>(({ input, receive }) => {
      const sync = this.#attach(input.userId);
      receive((command) => sync.command(command));
      return () => this.#detach(sync);
    });
  }

  /** The next detach belongs to a logout: keep that user's sync for {@link finishLogout}. */
  expectLogout(): void {
    this.#logoutExpected = true;
  }

  /** The logout actor's part: flush within the bound, close or wipe; resolves with what stayed local. */
  async finishLogout(opts: { wipe: boolean; flushTimeoutMs: number | undefined }): Promise<Record<string, PendingWritesInfo>> {
    this.#logoutExpected = false;
    const leaving = this.#leaving;
    this.#leaving = null;
    if (!leaving) return {};
    const closing = leaving.close(opts);
    this.#track(closing);
    return closing;
  }

  /**
   * The signed-in user's replication, once it is known whether it could start. Rejects with the
   * `SYNC_UNAVAILABLE` error when it cannot, `NOT_LOGGED_IN` when nobody is signed in or another
   * tab runs it.
   */
  async engine(): Promise<SyncEngine> {
    const sync = this.current;
    if (!sync) throw new SessionError('NOT_LOGGED_IN', 'nobody is signed in', { kind: 'rejected' });
    const failure = await sync.startFailure;
    if (failure) throw failure;
    if (sync.engine) return sync.engine;
    throw new SessionError('NOT_LOGGED_IN', "another tab runs this database's replication: refused documents are handled there", {
      kind: 'rejected',
    });
  }

  /**
   * The signed-in user's pending writes, counted after the commands already sent; `{}` without
   * one. Rejects with the `SYNC_UNAVAILABLE` error when their database could not be opened.
   */
  async pendingWrites(): Promise<Record<string, PendingWritesInfo>> {
    return (await this.current?.pendingWrites()) ?? {};
  }

  /** Collections of the signed-in user once the database is open; null if nobody is or it failed. */
  async whenOpen(): Promise<Record<string, RxCollection> | null> {
    const sync = this.current;
    if (!sync || !(await sync.opened)) return null;
    return this.current === sync ? (sync.database?.collections ?? null) : null;
  }

  /**
   * Resolves once the signed-in user's sync has started (or nobody is signed in); rejects with the
   * `SYNC_UNAVAILABLE` error when it cannot.
   */
  async whenStarted(): Promise<void> {
    const sync = this.current;
    if (!sync) return;
    const failure = await sync.startFailure;
    if (failure && this.current === sync) throw failure;
  }

  /** Closes whatever is open and waits for every close in flight. */
  async close(): Promise<void> {
    const leaving = this.#leaving;
    this.#leaving = null;
    if (leaving) this.#track(leaving.close({ wipe: false }));
    await this.#closing;
  }

  #attach(userId: string): UserSync {
    const sync = new UserSync({ ...this.#deps, userId, after: this.#closing });
    this.#current.next(sync);
    return sync;
  }

  #detach(sync: UserSync): void {
    if (this.#current.value === sync) this.#current.next(null);
    if (this.#logoutExpected) {
      this.#leaving = sync;
      return;
    }
    this.#track(sync.close({ wipe: false }));
  }

  #track(closing: Promise<unknown>): void {
    const settled = closing.then(
      () => undefined,
      (error: unknown) => this.#deps.logger.warn('closing a user database failed', { error: String((error as Error)?.name) }),
    );
    this.#closing = Promise.all([this.#closing, settled]).then(() => undefined);
  }

  #engine$() {
    return this.#current.pipe(switchMap((sync) => (sync ? sync.engine$ : of(null))));
  }
}
