import { fromPromise } from 'xstate';
import type { RefreshResult, RestoredSession, SessionFailure, SessionInfo } from '../../machines/session-events.ts';
import type { AuthAdapter, AuthContext, Credentials } from '../auth/auth-adapter.ts';
import { classifyFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { isSessionError, SessionError } from '../errors/session-error.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { SessionStore } from '../session/session-store.ts';
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
}

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

  constructor(store: SessionStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Persists the vault's session, or clears the store when there is none. */
  persist(vault: TokenVault): Promise<void> {
    const stored = vault.toStored();
    return this.#enqueue(stored ? () => this.#store.save(stored) : () => this.#store.clear(), 'save');
  }

  clear(): Promise<void> {
    return this.#enqueue(() => this.#store.clear(), 'clear');
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.#tail;
  }

  #enqueue(write: () => Promise<void>, what: string): Promise<void> {
    this.#tail = this.#tail.then(write).catch((error: unknown) => {
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
      const refreshToken = vault.refreshToken;
      if (!refreshToken) throw { kind: 'refreshRejected', code: 'RELOGIN_REQUIRED', message: 'no refresh token' };
      try {
        const grant = await auth.refresh(refreshToken, context(signal));
        // Exited meanwhile (logout, relogin): the vault belongs to someone else now.
        if (signal.aborted) throw new SessionError('NETWORK', 'refresh cancelled', { kind: 'transient' });
        const result = vault.acceptRefresh(grant);
        // A rotated refresh token is persisted before the new access token is handed out.
        await writer.persist(vault);
        logger.debug('refreshed', { accessExpiresAt: result.accessExpiresAt });
        return result;
      } catch (error) {
        const failure = toFailure(error, 'refresh');
        logger.warn('refresh failed', { kind: failure.kind, code: failure.code });
        throw failure;
      }
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
