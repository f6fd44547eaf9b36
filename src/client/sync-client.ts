import { EMPTY, of, type Observable } from 'rxjs';
import type { Actor } from 'xstate';
import type { SessionEvent } from '../../machines/session-events.ts';
import type { sessionMachine } from '../../machines/session.machine.ts';
import type { Credentials } from '../auth/auth-adapter.ts';
import { SessionError } from '../errors/session-error.ts';
import type { AuthenticatedGraphQL } from '../graphql/authenticated-graphql.ts';
import { clientGraphQL, forceRefresh } from './session-requests.ts';
import type { RetryOutcome } from '../sync/rejected-actions.ts';
import type { RejectedDocument } from '../sync/rejected-documents.ts';
import { ClientEventHub, type SyncClientEventHandler, type SyncClientEvents } from './client-events.ts';
import { LoginQueue } from './login-queue.ts';
import { watchOutsideSignals, type OutsideSignals } from './outside-signals.ts';
import { SessionWriter } from './session-actors.ts';
import { createSessionActor, type SessionActor } from './session-actor-factory.ts';
import { RefreshIntentSlot } from './refresh-intent-slot.ts';
import { relaySessionEvents } from './session-event-relay.ts';
import type { SessionSnapshot, SessionStatus, SyncUser } from './session-status.ts';
import { ClientStatusFeed } from './client-status-feed.ts';
import { SessionTokenSource } from './session-token-source.ts';
import { SnapshotWaiter } from './snapshot-waiter.ts';
import { resolveSyncClientOptions, type ResolvedSyncClientOptions, type SyncClientOptions } from './sync-client-options.ts';
import { SyncHost, type SyncConflict } from './sync-host.ts';
import type { SyncCollectionOptions, UserCollections } from './sync-options.ts';
import type { LogoutOptions, LogoutResult } from './logout-options.ts';
import { TokenVault } from './token-vault.ts';
import type { PendingWritesInfo } from './user-sync.ts';

const closedError = (): SessionError => new SessionError('CLIENT_CLOSED', 'the client is closed', { kind: 'rejected' });

// States in which a login or logout must wait for the current step to finish.
const isBusy = (s: SessionSnapshot): boolean =>
  s.matches('restoring') || s.matches('loggingIn') || s.matches('loggingOut') || s.matches({ signedIn: 'reloggingIn' });

/**
 * The session-sync client: a thin facade over the session statechart, which owns the replication
 * of the signed-in user's own database. Create it with {@link createSyncClient}.
 *
 * @example
 * ```ts
 * const client = createSyncClient({ auth: appServicesAuth({ baseUrl, appId }), graphql, storage, databaseName, collections });
 * await client.start();
 * if (client.status.session === 'loggedOut') await client.login({ username, password });
 * await client.awaitInSync();
 * ```
 */
export class SyncClient<C extends Record<string, SyncCollectionOptions> = Record<string, SyncCollectionOptions>> {
  readonly #options: ResolvedSyncClientOptions;
  readonly #vault = new TokenVault();
  readonly #writer: SessionWriter;
  readonly #actor: Actor<typeof sessionMachine>;
  readonly #status: ClientStatusFeed;
  readonly #events: ClientEventHub;
  readonly #graphql: AuthenticatedGraphQL;
  readonly #waiter: SnapshotWaiter;
  readonly #tokens: SessionTokenSource;
  readonly #host: SyncHost | null;
  readonly #logins: LoginQueue;
  readonly #refreshIntent = new RefreshIntentSlot();
  #started: Promise<void> | null = null;
  #signals: OutsideSignals | null = null;
  #lastLogout: Record<string, PendingWritesInfo> = {};

  /** @internal Use {@link createSyncClient}. */
  constructor(options: ResolvedSyncClientOptions) {
    this.#options = options;
    const { logger, clock } = options;
    this.#events = new ClientEventHub(logger);
    this.#writer = new SessionWriter(options.sessionStore, logger, () => this.#signals?.notifyOtherTabs());
    this.#waiter = new SnapshotWaiter(() => this.#actor.getSnapshot(), closedError);
    this.#tokens = new SessionTokenSource({
      snapshot: () => this.#actor.getSnapshot(),
      vault: this.#vault,
      waiter: this.#waiter,
      clock,
      started: () => (this.#started ??= this.#startOnce()),
      send: (event) => this.#send(event),
      closedError,
    });
    const host = options.sync ? new SyncHost({ options: options.sync, tokens: this.#tokens, fetch: options.fetch, clock, logger }) : null;
    this.#host = host;
    this.#actor = createSessionActor({
      options,
      vault: this.#vault,
      writer: this.#writer,
      host,
      takeLoginAttempt: () => this.#logins.takeAttempt(),
      takeRefreshIntent: () => this.#refreshIntent.take(),
      loggedOutWith: (pendingWrites) => (this.#lastLogout = pendingWrites),
    });
    this.#status = new ClientStatusFeed(this.#actor.getSnapshot(), (status) => this.#events.emit('sessionChanged', status));
    relaySessionEvents({ actor: this.#actor, status: this.#status, waiter: this.#waiter, events: this.#events, host, options });
    if (host) this.#status.follow(host.status$);
    this.#graphql = clientGraphQL(options.graphql, this.#tokens, options.fetch);
    const start = (): Promise<unknown> => this.start();
    this.#logins = new LoginQueue({ actor: this.#actor, waiter: this.#waiter, host, clock, start, user: () => this.user, isBusy });
  }

  /** The current session and sync status (no tokens). */
  get status(): SessionStatus {
    return this.#status.value;
  }

  /** The session status now and on every change. Completes on `close()`. */
  get status$(): Observable<SessionStatus> {
    return this.#status.status$;
  }

  /** The signed-in (or expired) user, or null when logged out. Never a raw token. */
  get user(): SyncUser | null {
    const { context } = this.#actor.getSnapshot();
    if (context.userId === null) return null;
    return {
      id: context.userId,
      customData: this.#vault.customData,
      accessTokenExpiresAt: context.accessExpiresAt,
      refreshTokenExpiresAt: context.refreshExpiresAt,
    };
  }

  /** The running session actor, for devtools (`inspect`), selectors and tags. */
  get actor(): SessionActor {
    return this.#actor;
  }

  /** Authenticated GraphQL: token attached as a header, one refresh and one replay on a 401. */
  get graphql(): AuthenticatedGraphQL {
    return this.#graphql;
  }

  /** Restores a persisted session, if any, and starts watching wake signals. Idempotent. */
  async start(): Promise<SessionStatus> {
    if (this.#waiter.closed) throw closedError();
    this.#started ??= this.#startOnce();
    await this.#started;
    await this.#host?.whenOpen();
    return this.status;
  }

  /** Logs in (or back in, after `reloginRequired`). Rejects with a `SessionError`, e.g. `CREDENTIALS_REJECTED`. */
  login(credentials: Credentials): Promise<SyncUser> {
    if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
      return Promise.reject(new SessionError('INVALID_OPTION', 'login: expected { username, password } strings', { kind: 'rejected' }));
    }
    return this.#logins.login(credentials);
  }

  /**
   * Pushes pending writes first when `flushTimeoutMs` is given, closes (or with `wipe`, deletes)
   * the user's local database, revokes the refresh token when the server is reachable and always
   * clears the local session. Resolves with the writes that stayed local.
   */
  async logout(opts: LogoutOptions = {}): Promise<LogoutResult> {
    await this.start();
    await this.#waiter.until((s) => !s.matches('restoring') && !s.matches('loggingOut'));
    if (this.#actor.getSnapshot().matches('loggedOut')) {
      await this.#writer.clear();
      return { pendingWrites: {} };
    }
    const event: SessionEvent = { type: 'session.logout' };
    if (opts.wipe !== undefined) event.wipe = opts.wipe;
    if (opts.flushTimeoutMs !== undefined) event.flushTimeoutMs = opts.flushTimeoutMs;
    this.#lastLogout = {};
    this.#host?.expectLogout();
    this.#actor.send(event);
    await this.#waiter.until((s) => s.matches('loggedOut'));
    return { pendingWrites: this.#lastLogout };
  }

  /**
   * The signed-in user's RxCollections, usable offline (also when sync cannot start but the
   * database opened). Available once `start()` or `login()` has resolved with a signed-in user;
   * throws `NOT_LOGGED_IN` when nobody is (or sync is not configured), `SYNC_UNAVAILABLE` when
   * the database could not be opened. `await client.ready()` waits for them.
   */
  get collections(): UserCollections<C> {
    const sync = this.#host?.current;
    const db = sync?.database;
    if (db) return db.collections as UserCollections<C>;
    if (sync?.failure) throw sync.failure;
    if (!this.#host) throw new SessionError('NOT_LOGGED_IN', 'sync is not configured (no collections)', { kind: 'rejected' });
    if (!sync) throw new SessionError('NOT_LOGGED_IN', 'nobody is signed in', { kind: 'rejected' });
    throw new SessionError('NOT_LOGGED_IN', "the user's database is still opening: await client.ready()", { kind: 'rejected' });
  }

  /**
   * Waits for the session to settle and the user's sync to start; resolves with the collections.
   * Rejects `NOT_LOGGED_IN` without a user, and with the `SYNC_UNAVAILABLE` error naming the cause
   * when sync cannot start (`client.collections` still works if the database opened).
   */
  async ready(): Promise<UserCollections<C>> {
    await this.start();
    await this.#waiter.until((s) => !isBusy(s));
    await this.#host?.whenStarted();
    return this.collections;
  }

  /**
   * Resolves once everything local is pushed and everything remote pulled (waits through a relogin).
   * In a browser tab that is not the one replicating, the replicating tab confirms it, this tab's writes included.
   * Rejects like {@link ready}.
   */
  async awaitInSync(): Promise<void> {
    await this.ready();
    const sync = this.#host?.current;
    if (!sync) throw new SessionError('NOT_LOGGED_IN', 'nobody is signed in', { kind: 'rejected' });
    await sync.awaitInSync();
  }

  /**
   * Counts the signed-in user's writes the server has not accepted yet, per collection (exact, a
   * scan), from storage, also when sync cannot start. Rejects with the `SYNC_UNAVAILABLE` error when
   * the database could not be opened (nothing could be written, so there is no outbox).
   */
  async pendingWrites(): Promise<Record<string, PendingWritesInfo>> {
    await this.start();
    await this.#waiter.until((s) => !isBusy(s));
    return (await this.#host?.pendingWrites()) ?? {};
  }

  /** The signed-in user's refused documents, with their reasons; re-emitted on each change. */
  get rejected$(): Observable<RejectedDocument[]> {
    return this.#host?.rejected$ ?? of([]);
  }

  /** Every conflict the server reported, after the collection's handler resolved it. */
  get conflicts$(): Observable<SyncConflict> {
    return this.#host?.conflicts$ ?? EMPTY;
  }

  /** Sends a refused document again as it is now locally; `'rejected'` if refused again. */
  async retryRejected(collection: keyof C & string, documentId: string): Promise<RetryOutcome> {
    return (await this.#syncHost().engine()).retryRejected(collection, documentId);
  }

  /** Gives up a refused write: the local document returns to the server's state (or away). */
  async discardRejected(collection: keyof C & string, documentId: string): Promise<void> {
    return (await this.#syncHost().engine()).discardRejected(collection, documentId);
  }

  /** A valid access token; waits out a refresh in flight. Rejects with `RELOGIN_REQUIRED`, `NOT_LOGGED_IN`, … */
  async getValidAccessToken(): Promise<string> {
    return (await this.#tokens.get()).token;
  }

  /** Forces a refresh and returns the new custom user data (Realm's `refreshCustomData`). */
  async refreshCustomData(): Promise<Record<string, unknown>> {
    await this.start();
    const deps = { actor: this.#actor, waiter: this.#waiter, vault: this.#vault, clock: this.#options.clock, isBusy };
    return await this.#refreshIntent.force(() => forceRefresh(deps));
  }

  /** Subscribes to a client event; returns the unsubscribe function. Handlers that throw are logged. */
  on<K extends keyof SyncClientEvents>(event: K, handler: SyncClientEventHandler<K>): () => void {
    return this.#events.on(event, handler);
  }

  /** Stops the actor, the wake watcher and sync (closing the user database); keeps the stored session. Idempotent. */
  async close(): Promise<void> {
    if (this.#waiter.closed) return;
    this.#signals?.close();
    this.#actor.stop();
    await this.#host?.close();
    this.#waiter.close();
    this.#status.complete();
    this.#events.clear();
    await this.#writer.flush();
  }

  async #startOnce(): Promise<void> {
    this.#actor.start();
    this.#signals = watchOutsideSignals({
      options: this.#options,
      vault: this.#vault,
      snapshot: () => this.#actor.getSnapshot(),
      send: (event) => this.#send(event),
      adopt: () => this.#refreshIntent.adopt(() => this.#send({ type: 'session.refreshRequested' })),
      logout: () => void this.logout().catch(() => undefined),
    });
    await this.#waiter.until((s) => !s.matches('restoring'));
  }

  #syncHost(): SyncHost {
    if (!this.#host) throw new SessionError('NOT_LOGGED_IN', 'sync is not configured (no collections)', { kind: 'rejected' });
    return this.#host;
  }

  #send(event: SessionEvent): void {
    if (!this.#waiter.closed && this.#started) this.#actor.send(event);
  }
}

/**
 * Creates the client. Validates options (throws `INVALID_OPTION` naming the option); does no I/O
 * until `start()`.
 *
 * @example
 * ```ts
 * const client = createSyncClient({
 *   auth: appServicesAuth({ baseUrl: 'http://127.0.0.1:4000/api/client/v2.0', appId: 'todo' }),
 *   graphql: { url: 'http://127.0.0.1:4000/graphql', wsUrl: 'ws://127.0.0.1:4000/graphql' },
 *   storage: getRxStorageDexie(),
 *   databaseName: 'todo-app',
 *   collections: { todo: { schema: todoSchema } },
 *   onReloginRequired: ({ userId, reason, pendingWrites }) => askToLogIn(userId, reason, pendingWrites),
 * });
 * await client.start();
 * await client.collections.todo.insert({ id: 't1', title: 'milk', done: false });
 * ```
 */
export function createSyncClient<C extends Record<string, SyncCollectionOptions> = Record<string, SyncCollectionOptions>>(
  options: SyncClientOptions<C>,
): SyncClient<C> {
  return new SyncClient<C>(resolveSyncClientOptions(options));
}
