import { BehaviorSubject, type Observable } from 'rxjs';
import { createActor, type Actor, type ActorRefFrom } from 'xstate';
import type { SessionEvent } from '../../machines/session-events.ts';
import { createSessionTiming } from '../../machines/session-logic.ts';
import { sessionMachine } from '../../machines/session.machine.ts';
import type { Credentials } from '../auth/auth-adapter.ts';
import { SessionError } from '../errors/session-error.ts';
import { createAuthenticatedGraphQL, type AuthenticatedGraphQL, type TokenSource } from '../graphql/authenticated-graphql.ts';
import { watchWakeSignals } from '../platform/wake-signals.ts';
import { callSafely, ClientEventHub, type SyncClientEventHandler, type SyncClientEvents } from './client-events.ts';
import { createSessionActors, SessionWriter, type LoginAttempt } from './session-actors.ts';
import { sameStatus, statusOf, type SessionSnapshot, type SessionStatus, type SyncUser } from './session-status.ts';
import { SnapshotWaiter } from './snapshot-waiter.ts';
import { resolveSyncClientOptions, type ResolvedSyncClientOptions, type SyncClientOptions } from './sync-client-options.ts';
import { decideToken } from './token-decision.ts';
import { TokenVault } from './token-vault.ts';

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
 * Options of `client.logout()`.
 *
 * @example
 * ```ts
 * await client.logout({ wipe: true });
 * ```
 */
export interface LogoutOptions {
  /** Also delete this user's local data (used by sync). Default false. */
  wipe?: boolean;
  /** How long to try pushing pending writes first (used by sync). */
  flushTimeoutMs?: number;
}

const closedError = (): SessionError => new SessionError('CLIENT_CLOSED', 'the client is closed', { kind: 'rejected' });

// States in which a login or logout must wait for the current step to finish.
const isBusy = (s: SessionSnapshot): boolean =>
  s.matches('restoring') || s.matches('loggingIn') || s.matches('loggingOut') || s.matches({ signedIn: 'reloggingIn' });

/**
 * The session-sync client: a thin facade over the session statechart. Create it with
 * {@link createSyncClient}.
 *
 * @example
 * ```ts
 * const client = createSyncClient({ auth: appServicesAuth({ baseUrl, appId }) });
 * await client.start();
 * if (client.status.session === 'loggedOut') await client.login({ username, password });
 * ```
 */
export class SyncClient {
  readonly #options: ResolvedSyncClientOptions;
  readonly #vault = new TokenVault();
  readonly #writer: SessionWriter;
  readonly #actor: Actor<typeof sessionMachine>;
  readonly #status: BehaviorSubject<SessionStatus>;
  readonly #events: ClientEventHub;
  readonly #graphql: AuthenticatedGraphQL;
  readonly #waiter: SnapshotWaiter;
  #loginAttempt: LoginAttempt | null = null;
  #loginQueue: Promise<unknown> = Promise.resolve();
  #started: Promise<void> | null = null;
  #stopWake: (() => void) | null = null;
  #lastAccepted = -1;

  /** @internal Use {@link createSyncClient}. */
  constructor(options: ResolvedSyncClientOptions) {
    this.#options = options;
    const { logger, clock } = options;
    this.#events = new ClientEventHub(logger);
    this.#writer = new SessionWriter(options.sessionStore, logger);
    const actors = createSessionActors(
      {
        vault: this.#vault,
        store: options.sessionStore,
        auth: options.auth,
        fetch: options.fetch,
        clock,
        logger,
        logoutTimeoutMs: options.logoutTimeoutMs,
        takeLoginAttempt: () => {
          const attempt = this.#loginAttempt;
          this.#loginAttempt = null;
          return attempt;
        },
      },
      this.#writer,
    );
    const timing = createSessionTiming({ now: () => clock.now(), random: options.random, backoff: options.backoff });
    const machine = sessionMachine.provide({ actors, guards: timing.guards, delays: timing.delays });
    const input = { refreshMarginMs: options.refreshMarginMs, maxRejectsAfterRefresh: options.maxRejectsAfterRefresh };
    this.#actor = options.inspect ? createActor(machine, { input, inspect: options.inspect }) : createActor(machine, { input });
    this.#status = new BehaviorSubject(statusOf(this.#actor.getSnapshot()));
    this.#waiter = new SnapshotWaiter(() => this.#actor.getSnapshot(), closedError);
    this.#wireActor();
    this.#graphql = this.#createGraphQL();
  }

  /** The current session status (no tokens). */
  get status(): SessionStatus {
    return this.#status.value;
  }

  /** The session status now and on every change. Completes on `close()`. */
  get status$(): Observable<SessionStatus> {
    return this.#status.asObservable();
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
    return this.status;
  }

  /** Logs in (or back in, after `reloginRequired`). Rejects with a `SessionError`, e.g. `CREDENTIALS_REJECTED`. */
  login(credentials: Credentials): Promise<SyncUser> {
    if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
      return Promise.reject(new SessionError('INVALID_OPTION', 'login: expected { username, password } strings', { kind: 'rejected' }));
    }
    const run = (): Promise<SyncUser> => this.#loginOnce(credentials);
    const result = this.#loginQueue.then(run, run);
    this.#loginQueue = result.catch(() => undefined);
    return result;
  }

  /** Revokes the refresh token when the server is reachable and always clears the local session. */
  async logout(opts: LogoutOptions = {}): Promise<void> {
    await this.start();
    await this.#waiter.until((s) => !s.matches('restoring') && !s.matches('loggingOut'));
    if (this.#actor.getSnapshot().matches('loggedOut')) return this.#writer.clear();
    const event: SessionEvent = { type: 'session.logout' };
    if (opts.wipe !== undefined) event.wipe = opts.wipe;
    if (opts.flushTimeoutMs !== undefined) event.flushTimeoutMs = opts.flushTimeoutMs;
    this.#actor.send(event);
    await this.#waiter.until((s) => s.matches('loggedOut'));
  }

  /** A valid access token; waits out a refresh in flight. Rejects with `RELOGIN_REQUIRED`, `NOT_LOGGED_IN`, … */
  async getValidAccessToken(): Promise<string> {
    return (await this.#token()).token;
  }

  /** Forces a refresh and returns the new custom user data (Realm's `refreshCustomData`). */
  async refreshCustomData(): Promise<Record<string, unknown>> {
    await this.start();
    await this.#waiter.until((s) => !isBusy(s));
    const before = this.#vault.generation;
    const requesting = { signedIn: { refreshing: 'requesting' } } as const;
    if (this.#actor.getSnapshot().matches({ signedIn: 'active' }) || this.#actor.getSnapshot().matches({ signedIn: { refreshing: 'backoff' } })) {
      this.#actor.send({ type: 'session.refreshRequested' });
    }
    await this.#waiter.until((s) => !s.matches(requesting) && !isBusy(s));
    const after = this.#actor.getSnapshot();
    if (after.matches({ signedIn: 'active' }) && this.#vault.generation > before) return this.#vault.customData;
    const decision = decideToken(after, this.#options.clock.now());
    if (decision.action === 'fail') throw decision.error;
    const error = after.context.lastError;
    throw new SessionError(error?.kind === 'rateLimited' ? 'RATE_LIMITED' : 'NETWORK', error?.message ?? 'refresh failed', {
      kind: error?.kind ?? 'transient',
    });
  }

  /** Subscribes to a client event; returns the unsubscribe function. Handlers that throw are logged. */
  on<K extends keyof SyncClientEvents>(event: K, handler: SyncClientEventHandler<K>): () => void {
    return this.#events.on(event, handler);
  }

  /** Stops the actor and the wake watcher; keeps the stored session for the next start. Idempotent. */
  async close(): Promise<void> {
    if (this.#waiter.closed) return;
    this.#stopWake?.();
    this.#actor.stop();
    this.#waiter.close();
    this.#status.complete();
    this.#events.clear();
    await this.#writer.flush();
  }

  async #startOnce(): Promise<void> {
    this.#actor.start();
    const wake = this.#options.wakeSignals;
    if (wake) {
      this.#stopWake = watchWakeSignals({
        ...wake,
        clock: this.#options.clock,
        onWake: (reason) => this.#send({ type: 'session.wake', reason }),
      });
    }
    await this.#waiter.until((s) => !s.matches('restoring'));
  }

  async #loginOnce(credentials: Credentials): Promise<SyncUser> {
    await this.start();
    await this.#waiter.until((s) => !isBusy(s));
    const attempt: LoginAttempt = { credentials, error: null };
    this.#loginAttempt = attempt;
    this.#actor.send({ type: 'session.login' });
    await this.#waiter.until((s) => !s.matches('loggingIn') && !s.matches({ signedIn: 'reloggingIn' }));
    if (this.#loginAttempt === attempt) this.#loginAttempt = null;
    if (attempt.error) throw attempt.error;
    const user = this.user;
    if (attempt.credentials !== null || !user) throw new SessionError('NOT_LOGGED_IN', 'login was cancelled', { kind: 'rejected' });
    const decision = decideToken(this.#actor.getSnapshot(), this.#options.clock.now());
    if (decision.action === 'fail') throw decision.error;
    return user;
  }

  async #token(): Promise<{ token: string; generation: number }> {
    await this.start();
    let woke = false;
    for (;;) {
      if (this.#waiter.closed) throw closedError();
      const decision = decideToken(this.#actor.getSnapshot(), this.#options.clock.now());
      if (decision.action === 'fail') throw decision.error;
      if (decision.action === 'serve') {
        const token = this.#vault.accessToken;
        if (token === null) throw new SessionError('NOT_LOGGED_IN', 'no user is logged in', { kind: 'refreshRejected' });
        return { token, generation: this.#vault.generation };
      }
      if (decision.action === 'wake' && !woke) {
        // Expired while active: the timer never fired (sleep). Never hand out the stale token.
        woke = true;
        this.#send({ type: 'session.wake', reason: 'clockJump' });
        continue;
      }
      await this.#waiter.next();
    }
  }

  #wireActor(): void {
    const actor = this.#actor;
    actor.subscribe({
      next: (snapshot) => {
        const status = statusOf(snapshot);
        const previous = this.#status.value;
        if (!sameStatus(status, previous)) this.#status.next(status);
        if (status.session !== previous.session || status.userId !== previous.userId) {
          this.#events.emit('sessionChanged', status);
        }
        this.#waiter.notify();
      },
      error: (error) => this.#options.logger.error('session actor failed', { error: String((error as Error)?.name) }),
    });
    actor.on('reloginRequired', ({ userId, reason }) => {
      const info = { userId, reason, lastError: actor.getSnapshot().context.lastError };
      this.#options.logger.warn('relogin required', { userId, reason });
      const hook = this.#options.onReloginRequired;
      if (hook) callSafely(this.#options.logger, 'onReloginRequired', () => hook(info));
      this.#events.emit('reloginRequired', info);
    });
    actor.on('refreshed', ({ accessExpiresAt }) => this.#events.emit('refreshed', { accessExpiresAt }));
    actor.on('loggedIn', ({ userId }) => this.#events.emit('loggedIn', { userId }));
    actor.on('loggedOut', ({ userId }) => this.#events.emit('loggedOut', { userId }));
  }

  #createGraphQL(): AuthenticatedGraphQL {
    const endpoint = this.#options.graphql;
    if (!endpoint) {
      const missing = (): Promise<never> =>
        Promise.reject(new SessionError('INVALID_OPTION', 'options.graphql: no GraphQL endpoint configured', { kind: 'rejected' }));
      return { request: missing, execute: missing };
    }
    const tokens: TokenSource = {
      get: () => this.#token(),
      rejected: (generation) => this.#send({ type: 'session.accessRejected', generation }),
      accepted: (generation) => {
        if (generation === this.#lastAccepted) return;
        this.#lastAccepted = generation;
        this.#send({ type: 'session.accessAccepted', generation });
      },
    };
    const opts: Parameters<typeof createAuthenticatedGraphQL>[0] = { url: endpoint.url, tokens, fetch: this.#options.fetch };
    if (endpoint.timeoutMs !== undefined) opts.timeoutMs = endpoint.timeoutMs;
    return createAuthenticatedGraphQL(opts);
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
 *   graphql: { url: 'http://127.0.0.1:4000/graphql' },
 *   onReloginRequired: ({ userId, reason }) => askToLogIn(userId, reason),
 * });
 * await client.start();
 * ```
 */
export function createSyncClient(options: SyncClientOptions): SyncClient {
  return new SyncClient(resolveSyncClientOptions(options));
}
