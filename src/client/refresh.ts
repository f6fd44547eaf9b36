import { fromPromise } from 'xstate';
import type { RefreshResult, RefreshTrigger, SessionFailure } from '../../machines/session-events.ts';
import { effectiveMargin } from '../../machines/session-logic.ts';
import type { AuthContext } from '../auth/auth-adapter.ts';
import { readAccessToken } from '../auth/token-info.ts';
import { classifyFailure, type FailurePhase } from '../errors/classify-failure.ts';
import { isSessionError, SessionError } from '../errors/session-error.ts';
import type { Logger } from '../platform/logger.ts';
import type { SessionStore, StoredSession } from '../session/session-store.ts';
import type { SessionRuntime } from './session-runtime.ts';

// The refresh actor: one tab at a time, under the refresh lock; told why by its trigger.

/**
 * What a refresh does after re-reading the session store inside the refresh lock:
 * - `adopt`: another tab stored a newer, not yet due access token for this user: take it, no request;
 * - `relogin`: another tab found this session dead (its refresh token was refused): no request;
 * - `refresh`: ask the server, presenting `refreshToken` (the one just read, for rotating servers).
 *
 * @example
 * ```ts
 * const d: StoredSessionDecision = { action: 'refresh', refreshToken };
 * ```
 */
export type StoredSessionDecision =
  | { action: 'adopt'; stored: StoredSession }
  | { action: 'relogin' }
  | { action: 'refresh'; refreshToken: string | null };

/**
 * Decides between adopting, giving up and refreshing; pure, so every branch is table-testable.
 * `current` is this tab's session (from its vault), `stored` what the store holds now.
 */
export function decideStoredSession(input: {
  stored: StoredSession | null;
  current: StoredSession | null;
  now: number;
  marginMs: number;
}): StoredSessionDecision {
  const { stored, current, now, marginMs } = input;
  if (!current) return { action: 'refresh', refreshToken: null };
  // Nothing stored, or another user's session: this tab's own tokens are all there is.
  if (!stored || stored.userId !== current.userId) return { action: 'refresh', refreshToken: current.refreshToken };
  const newer = stored.accessToken !== current.accessToken && stored.accessExpiresAt > current.accessExpiresAt;
  const due = stored.accessExpiresAt - effectiveMargin(marginMs, accessLifetimeMs(stored.accessToken)) <= now;
  if (newer && !due) return { action: 'adopt', stored };
  if (stored.refreshToken === null) return { action: 'relogin' };
  return { action: 'refresh', refreshToken: stored.refreshToken };
}

/**
 * The access token's lifetime (exp − iat) in ms, or null for an opaque token.
 *
 * @example
 * ```ts
 * accessLifetimeMs(jwt); // 1800000
 * ```
 */
export function accessLifetimeMs(token: string): number | null {
  try {
    return readAccessToken(token, 0).lifetimeMs;
  } catch {
    return null;
  }
}

/**
 * The session machine's `refresh` actor. Inside the lock it re-reads the store, so a token another
 * tab just got is adopted instead of refreshed again; trigger `forced` always asks the server,
 * `otherTab` never does. Resolves with instants and a generation, rejects with a plain classified
 * failure; a refresh token the server refused is marked dead for the other tabs.
 */
export function refreshActor(session: Pick<SessionRuntime, 'options' | 'vault' | 'writes'>) {
  const { vault, writes, options } = session;
  const { auth, logger, sessionStore: store } = options;
  const lockName = `session-sync.refresh:${store.name ?? 'session'}`;

  return fromPromise<RefreshResult, { trigger: RefreshTrigger | null }>(({ input: { trigger }, signal }) =>
    options.refreshLock.run(lockName, () => refreshInLock(signal, trigger)),
  );

  async function refreshInLock(signal: AbortSignal, trigger: RefreshTrigger | null): Promise<RefreshResult> {
    const cancelled = (): SessionError => new SessionError('NETWORK', 'refresh cancelled', { kind: 'transient' });
    // Exited while waiting for the lock (logout, relogin): the vault belongs to someone else now.
    if (signal.aborted) throw toFailure(cancelled(), 'refresh');
    const current = vault.toStored();
    const stored = await loadQuietly(store, logger, 'before a refresh');
    if (signal.aborted) throw toFailure(cancelled(), 'refresh');
    const decision = decideStoredSession({ stored, current, now: options.clock.now(), marginMs: options.refreshMarginMs });
    if (decision.action === 'adopt' && trigger !== 'forced') {
      const info = vault.restore(decision.stored);
      logger.debug('adopted the token another tab refreshed', { accessExpiresAt: info.accessExpiresAt });
      return { accessExpiresAt: info.accessExpiresAt, accessLifetimeMs: info.accessLifetimeMs, generation: info.generation, refreshExpiresAt: info.refreshExpiresAt };
    }
    if (decision.action === 'relogin') {
      logger.warn('another tab found the session expired', { userId: current?.userId });
      throw { kind: 'refreshRejected', code: 'RELOGIN_REQUIRED', message: 'the session expired in another tab' };
    }
    if (trigger === 'otherTab' && current) {
      // Nothing to adopt after all (the store changed again): keep the current token, send nothing.
      return { accessExpiresAt: current.accessExpiresAt, accessLifetimeMs: accessLifetimeMs(current.accessToken), generation: vault.generation };
    }
    const refreshToken = decision.action === 'refresh' ? (decision.refreshToken ?? vault.refreshToken) : vault.refreshToken;
    if (!refreshToken) throw { kind: 'refreshRejected', code: 'RELOGIN_REQUIRED', message: 'no refresh token' };
    try {
      const context: AuthContext = { fetch: options.fetch, clock: options.clock, signal };
      const grant = await auth.refresh(refreshToken, context);
      if (signal.aborted) throw cancelled();
      // Keeps the token just presented when the server did not rotate it.
      const result = vault.acceptRefresh({ ...grant, refreshToken: grant.refreshToken ?? refreshToken });
      // Saved before the lock is released (the next tab adopts it) and before the token is handed out.
      await writes.persist(vault);
      logger.debug('refreshed', { accessExpiresAt: result.accessExpiresAt });
      return result;
    } catch (error) {
      const failure = toFailure(error, 'refresh');
      logger.warn('refresh failed', { kind: failure.kind, code: failure.code });
      if (failure.kind === 'refreshRejected' && !signal.aborted) await markDead(refreshToken);
      throw failure;
    }
  }

  // The other tabs must not present a refused refresh token again: the stored session loses it
  // (unless the store already holds a newer session, e.g. another tab's relogin).
  async function markDead(refreshToken: string): Promise<void> {
    const stored = await loadQuietly(store, logger, 'before a refresh');
    if (stored?.refreshToken === refreshToken) await writes.save({ ...stored, refreshToken: null });
  }
}

/** The stored session, or null when the store fails (logged: the session in memory keeps working). */
export async function loadQuietly(store: SessionStore, logger: Logger, when: string): Promise<StoredSession | null> {
  try {
    return await store.load();
  } catch (error) {
    logger.warn(`session store failed to load ${when}`, { error: errorName(error) });
    return null;
  }
}

/** A thrown error as the typed error the app sees. */
export function toSessionError(error: unknown, phase: FailurePhase): SessionError {
  return isSessionError(error) ? error : SessionError.fromFailure(classifyFailure({ thrown: error }, phase));
}

/** Plain data only: this object travels through machine events and inspection. */
export function toFailure(error: unknown, phase: FailurePhase): SessionFailure {
  const { kind, code, message, retryAfterMs, status, serverCode } = toSessionError(error, phase).toFailure();
  const failure: SessionFailure = { kind, code, message };
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  if (status !== undefined) failure.status = status;
  if (serverCode !== undefined) failure.serverCode = serverCode;
  return failure;
}

/** A token-free name for an error, for logs. */
export function errorName(error: unknown): string {
  if (isSessionError(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}
