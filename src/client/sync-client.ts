import { EMPTY, of, type Observable } from 'rxjs';
import type { SessionEvent } from '../../machines/session-events.ts';
import type { Credentials } from '../auth/auth-adapter.ts';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import { SessionError } from '../errors/session-error.ts';
import { createAuthenticatedGraphQL, type AuthenticatedGraphQL } from '../graphql/authenticated-graphql.ts';
import type { RetryOutcome } from '../sync/rejected-actions.ts';
import type { RejectedDocument } from '../sync/rejected-documents.ts';
import type { SyncConflict } from '../sync/signed-in-sync.ts';
import type { SyncCollectionOptions, UserCollections } from '../sync/sync-options.ts';
import type { PendingWritesInfo } from '../sync/user-sync.ts';
import type { SyncClientEventHandler, SyncClientEvents } from './client-events.ts';
import type { LogoutOptions, LogoutResult, SessionActor, SessionSnapshot, SyncUser } from './public-types.ts';
import { sealCredentials, SessionRuntime } from './session-runtime.ts';
import type { SessionStatus } from './session-status.ts';
import { resolveSyncClientOptions, type GraphQLEndpointOptions, type SyncClientOptions } from './sync-client-options.ts';
import { decideToken, type SessionTokenSource } from './tokens.ts';

// A login or logout waits for the one under way; a logout overtakes a login, so it waits only for these.
const busy = (s: SessionSnapshot): boolean => s.hasTag('busy');
const loggingOut = (s: SessionSnapshot): boolean => s.hasTag('busy') && !s.hasTag('awaitsToken');
const loggedOut = (s: SessionSnapshot): boolean => !s.hasTag('busy') && !s.hasTag('signedIn');

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
  readonly #session: SessionRuntime;
  readonly #graphql: AuthenticatedGraphQL;
  #logins: Promise<unknown> = Promise.resolve();

  /** @internal Use {@link createSyncClient}. */
  constructor(session: SessionRuntime) {
    this.#session = session;
    this.#graphql = clientGraphQL(session.options.graphql, session.tokens, session.options.fetch);
  }

  /** The current session and sync status (no tokens). */
  get status(): SessionStatus {
    return this.#session.status.value;
  }

  /** The session status now and on every change. Completes on `close()`. */
  get status$(): Observable<SessionStatus> {
    return this.#session.status.status$;
  }

  /** The signed-in (or expired) user, or null when logged out. Never a raw token. */
  get user(): SyncUser | null {
    const { context } = this.#session.actor.getSnapshot();
    if (context.userId === null) return null;
    return {
      id: context.userId,
      customData: this.#session.vault.customData,
      accessTokenExpiresAt: context.accessExpiresAt,
      refreshTokenExpiresAt: context.refreshExpiresAt,
    };
  }

  /** The running session actor, for devtools (`inspect`), selectors and tags. */
  get actor(): SessionActor {
    return this.#session.actor;
  }

  /** Authenticated GraphQL: token attached as a header, one refresh and one replay on a 401. */
  get graphql(): AuthenticatedGraphQL {
    return this.#graphql;
  }

  /** Restores a persisted session, if any, and starts watching wake signals. Idempotent. */
  async start(): Promise<SessionStatus> {
    this.#throwIfClosed();
    await this.#session.start();
    await this.#session.sync?.whenOpen();
    return this.status;
  }

  /** Logs in (or back in, after `reloginRequired`). Rejects with a `SessionError`, e.g. `CREDENTIALS_REJECTED`. */
  login(credentials: Credentials): Promise<SyncUser> {
    if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
      return Promise.reject(new SessionError('INVALID_OPTION', 'login: expected { username, password } strings', { kind: 'rejected' }));
    }
    // One after another, whatever the outcome of the ones before.
    const run = (): Promise<SyncUser> => this.#loginOnce(credentials);
    const result = this.#logins.then(run, run);
    this.#logins = result.catch(() => undefined);
    return result;
  }

  /**
   * Pushes pending writes first when `flushTimeoutMs` is given, closes (or with `wipe`, deletes)
   * the user's local database, revokes the refresh token when the server is reachable and always
   * clears the local session. Resolves with the writes that stayed local.
   */
  async logout(opts: LogoutOptions = {}): Promise<LogoutResult> {
    const session = this.#session;
    await this.start();
    if (loggedOut(await session.waitFor((s) => !loggingOut(s)))) {
      await session.writes.clear();
      return { pendingWrites: {} };
    }
    const event: SessionEvent = { type: 'session.logout' };
    if (opts.wipe !== undefined) event.wipe = opts.wipe;
    if (opts.flushTimeoutMs !== undefined) event.flushTimeoutMs = opts.flushTimeoutMs;
    let pendingWrites: Record<string, PendingWritesInfo> = {};
    const heard = session.actor.on('loggedOut', (e) => (pendingWrites = e.pendingWrites ?? {}));
    try {
      session.send(event);
      await session.waitFor(loggedOut);
    } finally {
      heard.unsubscribe();
    }
    return { pendingWrites };
  }

  /**
   * The signed-in user's RxCollections, usable offline (also when sync cannot start but the
   * database opened). Available once `start()` or `login()` has resolved with a signed-in user;
   * throws `NOT_LOGGED_IN` when nobody is (or sync is not configured), `SYNC_UNAVAILABLE` when
   * the database could not be opened. `await client.ready()` waits for them.
   */
  get collections(): UserCollections<C> {
    const sync = this.#session.sync?.current;
    const db = sync?.database;
    if (db) return db.collections as UserCollections<C>;
    if (sync?.failure) throw sync.failure;
    if (!this.#session.sync) throw new SessionError('NOT_LOGGED_IN', 'sync is not configured (no collections)', { kind: 'rejected' });
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
    await this.#session.waitFor((s) => !busy(s));
    await this.#session.sync?.whenStarted();
    return this.collections;
  }

  /**
   * Resolves once everything local is pushed and everything remote pulled (waits through a relogin).
   * In a browser tab that is not the one replicating, the replicating tab confirms it, this tab's writes included.
   * Rejects like {@link ready}.
   */
  async awaitInSync(): Promise<void> {
    await this.ready();
    const sync = this.#session.sync?.current;
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
    await this.#session.waitFor((s) => !busy(s));
    return (await this.#session.sync?.current?.pendingWrites()) ?? {};
  }

  /** The signed-in user's refused documents, with their reasons; re-emitted on each change. */
  get rejected$(): Observable<RejectedDocument[]> {
    return this.#session.sync?.rejected$ ?? of([]);
  }

  /** Every conflict the server reported, after the collection's handler resolved it. */
  get conflicts$(): Observable<SyncConflict> {
    return this.#session.sync?.conflicts$ ?? EMPTY;
  }

  /** Sends a refused document again as it is now locally; `'rejected'` if refused again. */
  async retryRejected(collection: keyof C & string, documentId: string): Promise<RetryOutcome> {
    return (await this.#syncEngine()).retryRejected(collection, documentId);
  }

  /** Gives up a refused write: the local document returns to the server's state (or away). */
  async discardRejected(collection: keyof C & string, documentId: string): Promise<void> {
    return (await this.#syncEngine()).discardRejected(collection, documentId);
  }

  /** A valid access token; waits out a refresh in flight. Rejects with `RELOGIN_REQUIRED`, `NOT_LOGGED_IN`, … */
  async getValidAccessToken(): Promise<string> {
    return (await this.#session.tokens.get()).token;
  }

  /** Forces a refresh and returns the new custom user data (Realm's `refreshCustomData`). */
  async refreshCustomData(): Promise<Record<string, unknown>> {
    const session = this.#session;
    await this.start();
    await session.waitFor((s) => !busy(s));
    const before = session.vault.generation;
    if (session.actor.getSnapshot().hasTag('acceptsRefresh')) session.send({ type: 'session.refreshRequested', trigger: 'forced' });
    const after = await session.waitFor((s) => !s.hasTag('awaitsToken') && !busy(s));
    if (after.hasTag('refreshScheduled') && session.vault.generation > before) return session.vault.customData;
    const decision = decideToken(after, this.#session.options.clock.now());
    if (decision.action === 'fail') throw decision.error;
    const error = after.context.lastError;
    throw new SessionError(error?.kind === 'rateLimited' ? 'RATE_LIMITED' : 'NETWORK', error?.message ?? 'refresh failed', {
      kind: error?.kind ?? 'transient',
    });
  }

  /** Subscribes to a client event; returns the unsubscribe function. Handlers that throw are logged. */
  on<K extends keyof SyncClientEvents>(event: K, handler: SyncClientEventHandler<K>): () => void {
    return this.#session.events.on(event, handler);
  }

  /** Stops the actor, the wake watcher and sync (closing the user database); keeps the stored session. Idempotent. */
  async close(): Promise<void> {
    if (this.#session.closed) return;
    await this.#session.close();
  }

  async #loginOnce(credentials: Credentials): Promise<SyncUser> {
    const session = this.#session;
    await this.start();
    await session.waitFor((s) => !busy(s));
    // The login's outcome, as the machine emits it: the classified failure, or a signed-in user.
    let outcome: { error: SessionError } | 'loggedIn' | null = null;
    const failed = session.actor.on('loginFailed', ({ error }) => (outcome = { error: SessionError.fromFailure(error as ClassifiedFailure) }));
    const succeeded = session.actor.on('loggedIn', () => (outcome = 'loggedIn'));
    try {
      session.send({ type: 'session.login', credentials: sealCredentials(credentials) });
      await session.waitFor((s) => !busy(s));
    } finally {
      failed.unsubscribe();
      succeeded.unsubscribe();
    }
    const result = outcome as { error: SessionError } | 'loggedIn' | null;
    if (result !== null && result !== 'loggedIn') throw result.error;
    const user = this.user;
    if (result === null || !user) throw new SessionError('NOT_LOGGED_IN', 'login was cancelled', { kind: 'rejected' });
    const decision = decideToken(session.actor.getSnapshot(), session.options.clock.now());
    if (decision.action === 'fail') throw decision.error;
    await session.sync?.whenOpen();
    return user;
  }

  async #syncEngine() {
    const sync = this.#session.sync;
    if (!sync) throw new SessionError('NOT_LOGGED_IN', 'sync is not configured (no collections)', { kind: 'rejected' });
    return sync.engine();
  }

  #throwIfClosed(): void {
    if (this.#session.closed) throw new SessionError('CLIENT_CLOSED', 'the client is closed', { kind: 'rejected' });
  }
}

// `client.graphql`: the configured endpoint's authenticated client, or one that says none is configured.
function clientGraphQL(endpoint: GraphQLEndpointOptions | null, tokens: SessionTokenSource, fetch: typeof globalThis.fetch): AuthenticatedGraphQL {
  if (!endpoint) {
    const missing = (): Promise<never> =>
      Promise.reject(new SessionError('INVALID_OPTION', 'options.graphql: no GraphQL endpoint configured', { kind: 'rejected' }));
    return { request: missing, execute: missing };
  }
  const opts: Parameters<typeof createAuthenticatedGraphQL>[0] = { url: endpoint.url, tokens, fetch };
  if (endpoint.timeoutMs !== undefined) opts.timeoutMs = endpoint.timeoutMs;
  return createAuthenticatedGraphQL(opts);
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
  return new SyncClient<C>(new SessionRuntime(resolveSyncClientOptions(options)));
}
