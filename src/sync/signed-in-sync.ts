import { BehaviorSubject, EMPTY, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { fromCallback, fromPromise } from 'xstate';
import type { LogoutInput, ReplicationCommand, ReplicationInput } from '../../machines/session-events.ts';
import { SessionError } from '../errors/session-error.ts';
import type { TokenSource } from '../graphql/authenticated-graphql.ts';
import type { RejectedDocument } from './rejected-documents.ts';
import type { SyncEngine } from './sync-engine.ts';
import type { ResolvedSyncOptions } from './sync-options.ts';
import type { SyncRuntime } from './sync-runtime.ts';
import type { TabSyncStatus } from './tab-sync.ts';
import { UserSync } from './user-sync.ts';

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
 * The sync of whoever is signed in, opened and closed by the session machine through two actors:
 * `replication`, invoked by `signedIn`, opens that user's {@link UserSync} and closes it when
 * `signedIn` is left (their outbox stays on disk); `closeSync`, logout's first stage, flushes within
 * the bound and closes or wipes it while the token still serves. Opening waits for earlier closes,
 * so the same user can come straight back.
 */
export class SignedInSync {
  readonly #options: ResolvedSyncOptions;
  readonly #runtime: SyncRuntime;
  readonly #current = new BehaviorSubject<UserSync | null>(null);
  #closing: Promise<void> = Promise.resolve();

  constructor(options: ResolvedSyncOptions, runtime: SyncRuntime) {
    this.#options = options;
    this.#runtime = runtime;
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

  /** The `replication` actor `signedIn` invokes: lives as long as that user is signed in. */
  readonly replication = fromCallback<ReplicationCommand, ReplicationInput>(({ input, receive }) => {
    const runtime = { ...this.#runtime, tokens: tokensOf(this.#runtime.tokens, input.userId) };
    const sync = new UserSync({ options: this.#options, runtime, userId: input.userId, after: this.#closing });
    this.#current.next(sync);
    receive((command) => sync.command(command));
    return () => {
      if (this.#current.value === sync) this.#current.next(null);
      // After a logout's closeSync this is the same close, already done.
      this.#track(sync.close({ wipe: false }));
    };
  });

  /** Logout's `closeSync` actor: flush within the bound, close or wipe; passes on what stayed local. */
  readonly closeSync = fromPromise<LogoutInput, LogoutInput>(async ({ input }) => {
    const sync = this.#current.value;
    if (!sync) return { ...input, pendingWrites: {} };
    this.#current.next(null);
    const closing = sync.close(input);
    this.#track(closing);
    try {
      return { ...input, pendingWrites: await closing };
    } catch (error) {
      this.#runtime.logger.warn('closing sync before logout failed', { error: error instanceof Error ? error.name : typeof error });
      return { ...input, pendingWrites: {} };
    }
  });

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

  /** Waits for every close in flight (the session actor, stopped first, has closed what was open). */
  async close(): Promise<void> {
    await this.#closing;
  }

  #track(closing: Promise<unknown>): void {
    const settled = closing.then(
      () => undefined,
      (error: unknown) => this.#runtime.logger.warn('closing a user database failed', { error: String((error as Error)?.name) }),
    );
    this.#closing = Promise.all([this.#closing, settled]).then(() => undefined);
  }

  #engine$() {
    return this.#current.pipe(switchMap((sync) => (sync ? sync.engine$ : of(null))));
  }
}

// Custody: a user's sync is served that user's tokens only. While it closes after another user signed
// in, a request it still makes fails (transiently: its outbox stays for that user's return) instead of
// carrying the new user's token.
function tokensOf(tokens: TokenSource, userId: string): TokenSource {
  return {
    async get() {
      const lease = await tokens.get();
      if (lease.userId !== undefined && lease.userId !== userId) {
        throw new SessionError('NOT_LOGGED_IN', "another user signed in: this user's sync is closing", { kind: 'transient' });
      }
      return lease;
    },
    rejected: (generation) => tokens.rejected(generation),
    accepted: (generation) => tokens.accepted(generation),
  };
}
