import { fromPromise } from 'xstate';
import type { RefreshResult, RestoredSession, SessionFailure, SessionInfo } from '../../machines/session-events.ts';
import type { AuthAdapter, AuthContext, Credentials } from '../auth/auth-adapter.ts';
import { classifyFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { isSessionError, SessionError } from '../errors/session-error.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { RefreshLock } from '../session/refresh-lock.ts';
import type { SessionStore, StoredSession } from '../session/session-store.ts';
import { accessLifetimeMs, decideStoredSession } from './shared-session.ts';
import type { TokenVault } from './token-vault.ts';

/**
 * One `client.login()` call: its credentials wait here (never in an event) and its outcome comes back.
 *
 * @example
 * ```ts
 * const attempt: LoginAttempt = { credentials: { username, password }, error: null };
 * ```
 */
export interface LoginAttempt {
  credentials: Credentials | null;
  error: SessionError | null;
}

/**
 * What the session actors close over.
 *
 * @example
 * ```ts
 * createSessionActors({ vault, store, auth, fetch, clock, logger, logoutTimeoutMs: 10_000, takeLoginAttempt }, writer);
 * ```
 */
export interface SessionActorDeps {
  vault: TokenVault;
  store: SessionStore;
  auth: AuthAdapter;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  logoutTimeoutMs: number;
  /** Sync's part of a logout (flush within the bound, close or wipe), while the token is still there. */
  finishSync?(input: { wipe: boolean; flushTimeoutMs: number | undefined }): Promise<unknown>;
  /** Takes the parked login attempt (at most once). */
  takeLoginAttempt(): LoginAttempt | null;
  /** Serialises refreshes across the tabs sharing the store; `lockName` is derived from the store. */
  refreshLock: RefreshLock;
  lockName: string;
  /** To tell whether another tab's stored token is already due. */
  refreshMarginMs: number;
  /** Why the next refresh was requested, when the facade asked for it (taken at most once). */
  takeRefreshIntent(): RefreshIntent | null;
}

/**
 * `force`: always ask the server (refreshCustomData); `adopt`: another tab stored something new,
 * take it and never send a request.
 *
 * @example
 * ```ts
 * const intent: RefreshIntent = 'adopt';
 * ```
 */
export type RefreshIntent = 'force' | 'adopt';

/**
 * Serialises writes to the session store, so a logout's clear never races a refresh's save.
 * A failing store is logged: the session in memory keeps working.
 *
 * @example
 * ```ts
 * const writer = new SessionWriter(store, logger);
 * await writer.save(vault.toStored());
 * ```
 */
export class SessionWriter {
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
 * The real actors of the session machine. Tokens stay inside the vault and the store: what they
 * resolve with are instants and generations, and they reject with plain classified failures.
 *
 * @example
 * ```ts
 * const machine = sessionMachine.provide({ actors: createSessionActors(deps, writer) });
 * ```
 */
export function createSessionActors(deps: SessionActorDeps, writer: SessionWriter) {
  const { vault, auth, logger } = deps;
  const context = (signal?: AbortSignal): AuthContext =>
    signal ? { fetch: deps.fetch, clock: deps.clock, signal } : { fetch: deps.fetch, clock: deps.clock };

  return {
    restoreSession: fromPromise<RestoredSession | null>(async ({ signal }) => {
      let stored;
      try {
        stored = await deps.store.load();
      } catch (error) {
        logger.warn('session store failed to load; starting logged out', { error: errorName(error) });
        return null;
      }
      // Nothing to adopt after a logout that overtook the restore.
      if (!stored || signal.aborted) return null;
      logger.debug('session restored', { userId: stored.userId });
      return vault.restore(stored);
    }),

    login: fromPromise<SessionInfo>(async ({ signal }) => {
      const attempt = deps.takeLoginAttempt();
      if (!attempt?.credentials) throw { kind: 'credentialsRejected', code: 'NOT_LOGGED_IN', message: 'no credentials' };
      const { credentials } = attempt;
      attempt.credentials = null;
      try {
        const grant = await auth.login(credentials, context(signal));
        if (signal.aborted) throw new SessionError('NOT_LOGGED_IN', 'login cancelled', { kind: 'credentialsRejected' });
        const info = vault.acceptLogin(grant);
        await writer.persist(vault);
        logger.info('logged in', { userId: info.userId });
        return info;
      } catch (error) {
        attempt.error = toSessionError(error, 'login');
        logger.warn('login failed', { code: attempt.error.code });
        throw toFailure(error, 'login');
      }
    }),

    refresh: fromPromise<RefreshResult>(async ({ signal }) => {
      const intent = deps.takeRefreshIntent();
      // One tab at a time: the holder re-reads the store, so a token another tab just got is adopted.
      return deps.refreshLock.run(deps.lockName, () => refreshInLock(signal, intent));
    }),

    logout: fromPromise<void, { wipe: boolean; flushTimeoutMs: number | undefined }>(async ({ input }) => {
      try {
        await deps.finishSync?.(input);
      } catch (error) {
        logger.warn('closing sync before logout failed', { error: errorName(error) });
      }
      const refreshToken = vault.refreshToken;
      const userId = vault.toStored()?.userId ?? null;
      vault.clear();
      await writer.clear();
      if (refreshToken) await revoke(refreshToken);
      logger.info('logged out', { userId });
    }),
  };

  async function refreshInLock(signal: AbortSignal, intent: RefreshIntent | null): Promise<RefreshResult> {
    const cancelled = (): SessionError => new SessionError('NETWORK', 'refresh cancelled', { kind: 'transient' });
    // Exited while waiting for the lock (logout, relogin): the vault belongs to someone else now.
    if (signal.aborted) throw toFailure(cancelled(), 'refresh');
    const current = vault.toStored();
    const stored = await loadQuietly();
    if (signal.aborted) throw toFailure(cancelled(), 'refresh');
    const decision = decideStoredSession({ stored, current, now: deps.clock.now(), marginMs: deps.refreshMarginMs });
    if (decision.action === 'adopt' && intent !== 'force') {
      const info = vault.restore(decision.stored);
      logger.debug('adopted the token another tab refreshed', { accessExpiresAt: info.accessExpiresAt });
      return { accessExpiresAt: info.accessExpiresAt, accessLifetimeMs: info.accessLifetimeMs, generation: info.generation, refreshExpiresAt: info.refreshExpiresAt };
    }
    if (decision.action === 'relogin') {
      logger.warn('another tab found the session expired', { userId: current?.userId });
      throw { kind: 'refreshRejected', code: 'RELOGIN_REQUIRED', message: 'the session expired in another tab' };
    }
    if (intent === 'adopt' && current) {
      // Nothing to adopt after all (the store changed again): keep the current token, send nothing.
      return { accessExpiresAt: current.accessExpiresAt, accessLifetimeMs: accessLifetimeMs(current.accessToken), generation: vault.generation };
    }
    const refreshToken = decision.action === 'refresh' ? (decision.refreshToken ?? vault.refreshToken) : vault.refreshToken;
    if (!refreshToken) throw { kind: 'refreshRejected', code: 'RELOGIN_REQUIRED', message: 'no refresh token' };
    try {
      const grant = await auth.refresh(refreshToken, context(signal));
      if (signal.aborted) throw cancelled();
      // Keeps the token just presented when the server did not rotate it.
      const result = vault.acceptRefresh({ ...grant, refreshToken: grant.refreshToken ?? refreshToken });
      // Saved before the lock is released (the next tab adopts it) and before the token is handed out.
      await writer.persist(vault);
      logger.debug('refreshed', { accessExpiresAt: result.accessExpiresAt });
      return result;
    } catch (error) {
      const failure = toFailure(error, 'refresh');
      logger.warn('refresh failed', { kind: failure.kind, code: failure.code });
      if (failure.kind === 'refreshRejected' && !signal.aborted) await markDead(refreshToken);
      throw failure;
    }
  }

  async function loadQuietly(): Promise<StoredSession | null> {
    try {
      return await deps.store.load();
    } catch (error) {
      logger.warn('session store failed to load before a refresh', { error: errorName(error) });
      return null;
    }
  }

  // The other tabs must not present a refused refresh token again: the stored session loses it
  // (unless the store already holds a newer session, e.g. another tab's relogin).
  async function markDead(refreshToken: string): Promise<void> {
    const stored = await loadQuietly();
    if (stored?.refreshToken === refreshToken) await writer.save({ ...stored, refreshToken: null });
  }

  // Best effort: offline or slow servers never block or fail a logout. The race also covers an
  // adapter that ignores the abort signal.
  async function revoke(refreshToken: string): Promise<void> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deps.logoutTimeoutMs);
    });
    try {
      const outcome = await Promise.race([auth.logout(refreshToken, context(controller.signal)), timeout]);
      if (outcome === 'timeout') logger.warn('server did not confirm the logout in time', { timeoutMs: deps.logoutTimeoutMs });
    } catch (error) {
      logger.warn('could not revoke the session on the server', { error: toFailure(error, 'refresh').code });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
}

function toSessionError(error: unknown, phase: FailurePhase): SessionError {
  return isSessionError(error) ? error : SessionError.fromFailure(classifyFailure({ thrown: error }, phase));
}

// Plain data only: this object travels through machine events and inspection.
function toFailure(error: unknown, phase: FailurePhase): SessionFailure {
  const { kind, code, message, retryAfterMs } = toSessionError(error, phase).toFailure();
  return retryAfterMs === undefined ? { kind, code, message } : { kind, code, message, retryAfterMs };
}

function errorName(error: unknown): string {
  if (isSessionError(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}
