import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import type { LogoutInput, RestoredSession, SealedCredentials, SessionEvent, SessionInfo } from '../../machines/session-events.ts';
import { createSessionTiming } from '../../machines/session-logic.ts';
import { sessionMachine } from '../../machines/session.machine.ts';
import type { AuthContext, Credentials } from '../auth/auth-adapter.ts';
import { SessionError } from '../errors/session-error.ts';
import type { Logger } from '../platform/logger.ts';
import { watchWakeSignals } from '../platform/wake-signals.ts';
import type { SessionStore, StoredSession } from '../session/session-store.ts';
import { SignedInSync } from '../sync/signed-in-sync.ts';
import { callSafely, ClientEventHub } from './client-events.ts';
import { followOtherTabs } from './other-tabs.ts';
import type { SessionSnapshot } from './public-types.ts';
import { errorName, refreshActor, toFailure } from './refresh.ts';
import { ClientStatusFeed } from './session-status.ts';
import type { ReloginInfo, ResolvedSyncClientOptions } from './sync-client-options.ts';
import { SessionTokenSource, TokenVault } from './tokens.ts';

// What only the login actor may open: sealed credentials are keys into this map, holding no secret.
const sealed = new WeakMap<SealedCredentials, Credentials>();

/** Seals credentials for the login event: devtools, logs and `JSON.stringify` see `[credentials]`. */
export function sealCredentials(credentials: Credentials): SealedCredentials {
  const seal: SealedCredentials = { toJSON: () => '[credentials]' };
  sealed.set(seal, credentials);
  return seal;
}

// Opened once: a sealed login cannot be replayed.
function unseal(seal: SealedCredentials | undefined): Credentials | null {
  if (!seal) return null;
  const credentials = sealed.get(seal) ?? null;
  sealed.delete(seal);
  return credentials;
}

/**
 * The session store's writes, one after another, so a logout's clear never races a refresh's
 * save. A failing store is logged: the session in memory keeps working.
 */
export class SessionStoreWrites {
  #tail: Promise<void> = Promise.resolve();
  readonly #store: SessionStore;
  readonly #logger: Logger;
  readonly #afterWrite: () => void;

  /** `afterWrite` runs after each write that reached the store (to tell the other tabs). */
  constructor(store: SessionStore, logger: Logger, afterWrite: () => void = () => undefined) {
    this.#store = store;
    this.#logger = logger;
    this.#afterWrite = afterWrite;
  }

  /** Persists the vault's session, or clears the store when there is none. */
  persist(vault: TokenVault): Promise<void> {
    const stored = vault.toStored();
    return this.#enqueue(stored ? () => this.#store.save(stored) : () => this.#store.clear(), 'save');
  }

  clear(): Promise<void> {
    return this.#enqueue(() => this.#store.clear(), 'clear');
  }

  /** Saves a session as given (a session marked dead for the other tabs). */
  save(session: StoredSession): Promise<void> {
    return this.#enqueue(() => this.#store.save(session), 'save');
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.#tail;
  }

  #enqueue(write: () => Promise<void>, what: string): Promise<void> {
    const after = (): void => {
      try {
        this.#afterWrite();
      } catch (error) {
        this.#logger.warn('could not tell the other tabs about a session write', { error: errorName(error) });
      }
    };
    this.#tail = this.#tail.then(write).then(after, (error: unknown) => {
      this.#logger.error(`session store ${what} failed`, { error: errorName(error) });
    });
    return this.#tail;
  }
}

/**
 * The running session: the statechart provided with this client's actors (auth, store, refresh
 * lock, and the signed-in user's sync), its timing (clock, jitter, backoff) and `inspect`; the
 * vault and the token source every request goes through; the store's writes; and what turns the
 * machine's output into what the app sees (status, events, `onReloginRequired`) and the world's
 * signals into events for it (wake signals, other tabs). Tokens stay in the vault and the store:
 * the actors resolve with instants and generations, and reject with plain classified failures.
 */
export class SessionRuntime {
  readonly actor: Actor<typeof sessionMachine>;
  readonly vault = new TokenVault();
  readonly writes: SessionStoreWrites;
  readonly tokens: SessionTokenSource;
  /** The signed-in user's sync; null without collections. */
  readonly sync: SignedInSync | null;
  readonly status: ClientStatusFeed;
  readonly events: ClientEventHub;
  readonly options: ResolvedSyncClientOptions;
  readonly #closed = new AbortController();
  #started: Promise<void> | null = null;
  #stopSignals: (() => void) | null = null;
  #notifyOtherTabs: () => void = () => undefined;

  constructor(options: ResolvedSyncClientOptions) {
    this.options = options;
    const { clock, logger } = options;
    this.events = new ClientEventHub(logger);
    this.writes = new SessionStoreWrites(options.sessionStore, logger, () => this.#notifyOtherTabs());
    this.tokens = new SessionTokenSource(this);
    this.sync = options.sync ? new SignedInSync(options.sync, { tokens: this.tokens, fetch: options.fetch, clock, logger }) : null;
    this.actor = this.#createActor();
    this.status = new ClientStatusFeed(this.actor.getSnapshot(), (status) => this.events.emit('sessionChanged', status));
    if (this.sync) this.status.follow(this.sync.status$);
    this.#relay();
  }

  /** True once the client is closed. */
  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /** Starts the actor and the watchers; resolves once the restore is over. Idempotent. */
  start(): Promise<void> {
    this.#started ??= this.#startOnce();
    return this.#started;
  }

  /** Resolves with the first snapshot `predicate` holds for (the current one included); rejects once closed. */
  waitFor(predicate: (snapshot: SessionSnapshot) => boolean): Promise<SessionSnapshot> {
    return waitFor(this.actor, predicate, { signal: this.#closed.signal });
  }

  /** Sends to the session actor; dropped before start and after close. */
  send(event: SessionEvent): void {
    if (!this.closed && this.#started) this.actor.send(event);
  }

  /** Stops the watchers, the actor and sync (closing the user database); keeps the stored session. */
  async close(): Promise<void> {
    this.#closed.abort(new SessionError('CLIENT_CLOSED', 'the client is closed', { kind: 'rejected' }));
    this.#stopSignals?.();
    this.actor.stop();
    await this.sync?.close();
    this.status.complete();
    this.events.clear();
    await this.writes.flush();
  }

  async #startOnce(): Promise<void> {
    this.actor.start();
    this.#watchSignals();
    await this.waitFor((s) => !s.hasTag('busy'));
  }

  #createActor(): Actor<typeof sessionMachine> {
    const options = this.options;
    const { vault, writes } = this;
    const { auth, clock, logger } = options;
    const authContext = (signal: AbortSignal): AuthContext => ({ fetch: options.fetch, clock, signal });

    const restoreSession = fromPromise<RestoredSession | null>(async ({ signal }) => {
      let stored;
      try {
        stored = await options.sessionStore.load();
      } catch (error) {
        logger.warn('session store failed to load; starting logged out', { error: errorName(error) });
        return null;
      }
      // Nothing to adopt after a logout that overtook the restore.
      if (!stored || signal.aborted) return null;
      logger.debug('session restored', { userId: stored.userId });
      return vault.restore(stored);
    });

    const login = fromPromise<SessionInfo, { credentials: SealedCredentials | undefined }>(async ({ input, signal }) => {
      const credentials = unseal(input.credentials);
      if (!credentials) throw { kind: 'credentialsRejected', code: 'NOT_LOGGED_IN', message: 'no credentials' };
      try {
        const grant = await auth.login(credentials, authContext(signal));
        if (signal.aborted) throw new SessionError('NOT_LOGGED_IN', 'login cancelled', { kind: 'credentialsRejected' });
        const info = vault.acceptLogin(grant);
        await writes.persist(vault);
        logger.info('logged in', { userId: info.userId });
        return info;
      } catch (error) {
        const failure = toFailure(error, 'login');
        logger.warn('login failed', { code: failure.code });
        throw failure;
      }
    });

    // Logout's last stage: the sync is closed by now (closeSync); what it left rides on.
    const logout = fromPromise<{ pendingWrites?: LogoutInput['pendingWrites'] | undefined } | void, LogoutInput>(async ({ input }) => {
      const refreshToken = vault.refreshToken;
      const userId = vault.toStored()?.userId ?? null;
      vault.clear();
      await writes.clear();
      if (refreshToken) await this.#revoke(refreshToken);
      logger.info('logged out', { userId });
      return input.pendingWrites === undefined ? {} : { pendingWrites: input.pendingWrites };
    });

    const refresh = refreshActor(this);

    const sync = this.sync ? { replication: this.sync.replication, closeSync: this.sync.closeSync } : {};
    const timing = createSessionTiming({ now: () => clock.now(), random: options.random, backoff: options.backoff });
    const machine = sessionMachine.provide({
      actors: { restoreSession, login, refresh, logout, ...sync },
      guards: timing.guards,
      delays: timing.delays,
    });
    const input = { refreshMarginMs: options.refreshMarginMs, maxRejectsAfterRefresh: options.maxRejectsAfterRefresh };
    return options.inspect ? createActor(machine, { input, inspect: options.inspect }) : createActor(machine, { input });
  }

  // Best effort: offline or slow servers never block or fail a logout. The race also covers an
  // adapter that ignores the abort signal.
  async #revoke(refreshToken: string): Promise<void> {
    const { auth, logger, logoutTimeoutMs } = this.options;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), logoutTimeoutMs);
    });
    try {
      const context: AuthContext = { fetch: this.options.fetch, clock: this.options.clock, signal: controller.signal };
      const outcome = await Promise.race([auth.logout(refreshToken, context), timeout]);
      if (outcome === 'timeout') logger.warn('server did not confirm the logout in time', { timeoutMs: logoutTimeoutMs });
    } catch (error) {
      logger.warn('could not revoke the session on the server', { error: toFailure(error, 'refresh').code });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  // The machine's output as the app sees it: each snapshot updates the status; emitted events
  // become client events, and reloginRequired also calls onReloginRequired (after the outbox is counted).
  #relay(): void {
    const { actor, events, status } = this;
    const { logger } = this.options;
    actor.subscribe({
      next: (snapshot) => status.session(snapshot),
      error: (error) => logger.error('session actor failed', { error: String((error as Error)?.name) }),
    });
    const reloginRequired = (info: ReloginInfo): void => {
      const hook = this.options.onReloginRequired;
      if (hook) callSafely(logger, 'onReloginRequired', () => hook(info));
      events.emit('reloginRequired', info);
    };
    actor.on('reloginRequired', ({ userId, reason }) => {
      const base = { userId, reason, lastError: actor.getSnapshot().context.lastError };
      logger.warn('relogin required', { userId, reason });
      const sync = this.sync;
      if (!sync) return reloginRequired({ ...base, pendingWrites: {} });
      // Counted after the pause this same transition sends (the sync's queue keeps the order).
      // A database that could not open has no outbox (its error is already in status.syncError).
      void Promise.resolve()
        .then(async () => (await sync.current?.pendingWrites()) ?? {})
        .catch(() => ({}))
        .then((pendingWrites) => reloginRequired({ ...base, pendingWrites }));
    });
    actor.on('refreshed', ({ accessExpiresAt }) => events.emit('refreshed', { accessExpiresAt }));
    actor.on('loggedIn', ({ userId }) => events.emit('loggedIn', { userId }));
    actor.on('loggedOut', ({ userId }) => events.emit('loggedOut', { userId }));
  }

  // Other tabs writing the shared store, and wake signals (visibility, online, focus, clock jumps).
  #watchSignals(): void {
    const options = this.options;
    const { clock } = options;
    const tabs = followOtherTabs(this);
    if (tabs) this.#notifyOtherTabs = () => tabs.notify();
    const wake = options.wakeSignals;
    const stopWake = wake
      ? watchWakeSignals({
          ...wake,
          clock,
          onWake: (reason) => {
            // A frozen tab may have missed another tab's relogin while it waited for one.
            if (this.actor.getSnapshot().hasTag('reloginRequired')) tabs?.recheck();
            this.send({ type: 'session.wake', reason });
          },
        })
      : null;
    this.#stopSignals = () => {
      stopWake?.();
      tabs?.close();
    };
  }
}
