import type { RefreshResult, SessionInfo } from '../../machines/session-events.ts';
import { isAccessExpired } from '../../machines/session-logic.ts';
import type { TokenGrant } from '../auth/auth-adapter.ts';
import { readAccessToken, readRefreshTokenExpiry } from '../auth/token-info.ts';
import { SessionError } from '../errors/session-error.ts';
import type { TokenSource } from '../graphql/authenticated-graphql.ts';
import type { StoredSession } from '../session/session-store.ts';
import type { SessionSnapshot } from './public-types.ts';
import type { SessionRuntime } from './session-runtime.ts';

// Where tokens live (the vault), and how each request gets one (the session token source).

/**
 * The one in-memory home of the tokens (besides the session store). The session machine only ever
 * sees what `accept*` return: instants, a user id and a generation number, never a token.
 * Serialises to a placeholder, so an accidental `JSON.stringify` or log of it leaks nothing.
 *
 * @example
 * ```ts
 * const vault = new TokenVault();
 * const info = vault.acceptLogin(grant); // { userId, accessExpiresAt, …, generation: 1 }
 * vault.accessToken; // the bearer token for the next request
 * ```
 */
export class TokenVault {
  #accessToken: string | null = null;
  #refreshToken: string | null = null;
  #generation = 0;
  #userId: string | null = null;
  #customData: Record<string, unknown> = {};
  #accessExpiresAt: number | null = null;
  #accessLifetimeMs: number | null = null;
  #refreshExpiresAt: number | null = null;

  /** The current access token, or null when signed out. */
  get accessToken(): string | null {
    return this.#accessToken;
  }

  /** Whose tokens these are, or null when signed out. */
  get userId(): string | null {
    return this.#userId;
  }

  /** The current refresh token, or null. */
  get refreshToken(): string | null {
    return this.#refreshToken;
  }

  /** Number of the current access token; increments with every new one. */
  get generation(): number {
    return this.#generation;
  }

  /** The user's custom data from the last access token. */
  get customData(): Record<string, unknown> {
    return structuredClone(this.#customData);
  }

  /** Takes the tokens of a login; the user id comes from the grant or the token's `sub`. */
  acceptLogin(grant: TokenGrant): SessionInfo {
    const info = readAccessToken(grant.accessToken, grant.sentAt ?? grant.receivedAt, grant.serverDate, grant.expiresInSec);
    const userId = grant.userId ?? info.userId;
    if (!userId) throw new SessionError('PROTOCOL', 'login response names no user', { kind: 'protocol' });
    this.#userId = userId;
    // Without a refresh token the session simply ends (refreshExpired) when the access token does.
    this.#refreshToken = grant.refreshToken ?? null;
    this.#refreshExpiresAt = grant.refreshToken
      ? readRefreshTokenExpiry(grant.refreshToken, grant.sentAt ?? grant.receivedAt, info.skewMs)
      : null;
    this.#setAccess(grant.accessToken, info.accessExpiresAt, info.lifetimeMs, info.customData);
    return this.#sessionInfo();
  }

  /** Takes the tokens of a refresh; keeps the refresh token unless the server rotated it. */
  acceptRefresh(grant: TokenGrant): RefreshResult {
    const info = readAccessToken(grant.accessToken, grant.sentAt ?? grant.receivedAt, grant.serverDate, grant.expiresInSec);
    const result: RefreshResult = { accessExpiresAt: 0, accessLifetimeMs: null, generation: 0 };
    if (grant.refreshToken && grant.refreshToken !== this.#refreshToken) {
      this.#refreshToken = grant.refreshToken;
      this.#refreshExpiresAt = readRefreshTokenExpiry(grant.refreshToken, grant.sentAt ?? grant.receivedAt, info.skewMs);
      result.refreshExpiresAt = this.#refreshExpiresAt;
    }
    this.#setAccess(grant.accessToken, info.accessExpiresAt, info.lifetimeMs, info.customData);
    return { ...result, accessExpiresAt: info.accessExpiresAt, accessLifetimeMs: info.lifetimeMs, generation: this.#generation };
  }

  /** Loads a persisted session; the token's lifetime is re-read for the margin clamp. */
  restore(stored: StoredSession): SessionInfo {
    let lifetimeMs: number | null = null;
    try {
      lifetimeMs = readAccessToken(stored.accessToken, 0).lifetimeMs;
    } catch {
      // Opaque token: its stored expiry still stands; only the margin clamp is unavailable.
    }
    this.#userId = stored.userId;
    this.#refreshToken = stored.refreshToken;
    this.#refreshExpiresAt = stored.refreshExpiresAt;
    this.#setAccess(stored.accessToken, stored.accessExpiresAt, lifetimeMs, stored.customData);
    return this.#sessionInfo();
  }

  /** What the session store keeps; null when signed out. */
  toStored(): StoredSession | null {
    if (this.#userId === null || this.#accessToken === null || this.#accessExpiresAt === null) return null;
    return {
      version: 1,
      userId: this.#userId,
      accessToken: this.#accessToken,
      refreshToken: this.#refreshToken,
      accessExpiresAt: this.#accessExpiresAt,
      refreshExpiresAt: this.#refreshExpiresAt,
      customData: structuredClone(this.#customData),
    };
  }

  /** Forgets every token (the generation keeps counting, so old tokens stay stale). */
  clear(): void {
    this.#accessToken = null;
    this.#refreshToken = null;
    this.#userId = null;
    this.#customData = {};
    this.#accessExpiresAt = null;
    this.#accessLifetimeMs = null;
    this.#refreshExpiresAt = null;
  }

  /** Never the tokens. */
  toJSON(): string {
    return '[TokenVault]';
  }

  #setAccess(token: string, expiresAt: number, lifetimeMs: number | null, customData: Record<string, unknown>): void {
    this.#accessToken = token;
    this.#accessExpiresAt = expiresAt;
    this.#accessLifetimeMs = lifetimeMs;
    this.#customData = structuredClone(customData);
    this.#generation += 1;
  }

  #sessionInfo(): SessionInfo {
    return {
      userId: this.#userId ?? '',
      accessExpiresAt: this.#accessExpiresAt ?? 0,
      accessLifetimeMs: this.#accessLifetimeMs,
      refreshExpiresAt: this.#refreshExpiresAt,
      generation: this.#generation,
    };
  }
}

/**
 * What a token request should do in a given snapshot at `now`, read from the state's tags:
 * - `serve`: hand out the vault's token (it serves here, and is neither expired nor refused);
 * - `wait`: a new token is on its way (login, restore, a refresh in flight);
 * - `wake`: only a refresh is scheduled, yet the token has expired: the timer never fired (the
 *   device slept), so re-check;
 * - `fail`: no token will come without the app doing something.
 */
export type TokenDecision =
  | { action: 'serve' }
  | { action: 'wait' }
  | { action: 'wake' }
  | { action: 'fail'; error: SessionError };

/** Decides how to answer a token request; pure, so every branch is table-testable. */
export function decideToken(snapshot: SessionSnapshot, now: number): TokenDecision {
  const { context } = snapshot;
  const expired = isAccessExpired(context.accessExpiresAt, now);
  if (snapshot.hasTag('reloginRequired')) {
    return context.reloginReason === 'accessRejectedAfterRefresh'
      ? fail('ACCESS_REJECTED_LOOP', 'fresh access tokens keep being rejected; log in again', 'accessRejected')
      : fail('RELOGIN_REQUIRED', 'the session has expired; log in again', 'refreshRejected');
  }
  // A reactive refresh means the server refused the vault's token; a proactive one keeps serving it.
  const refused = snapshot.hasTag('refreshing') && context.refreshTrigger === 'reactive';
  if (snapshot.hasTag('servesToken') && !expired && !refused && context.reloginReason === null) return { action: 'serve' };
  if (snapshot.hasTag('awaitsToken')) return { action: 'wait' };
  if (snapshot.hasTag('refreshScheduled')) return { action: 'wake' };
  if (snapshot.hasTag('refreshing')) {
    return fail('NETWORK', 'the access token expired and the refresh is waiting for the network', 'transient');
  }
  return fail('NOT_LOGGED_IN', 'no user is logged in', 'refreshRejected');
}

function fail(code: SessionError['code'], message: string, kind: NonNullable<SessionError['kind']>): TokenDecision {
  return { action: 'fail', error: new SessionError(code, message, { kind }) };
}

/**
 * The one place requests get their token (`client.graphql` and sync alike): serves, waits out a
 * login or a refresh in flight, wakes a session that slept past expiry, or fails with a typed
 * error. Refusals and first acceptances per token generation go to the session machine.
 */
export class SessionTokenSource implements TokenSource {
  readonly #session: Pick<SessionRuntime, 'actor' | 'vault' | 'options' | 'closed' | 'start' | 'send' | 'waitFor'>;
  #lastAccepted = -1;

  /** Reads the session's snapshots; needs it started only once a token is asked for. */
  constructor(session: Pick<SessionRuntime, 'actor' | 'vault' | 'options' | 'closed' | 'start' | 'send' | 'waitFor'>) {
    this.#session = session;
  }

  async get(): Promise<{ token: string; generation: number; userId: string }> {
    const session = this.#session;
    const { vault } = session;
    const { clock } = session.options;
    await session.start();
    let woke = false;
    for (;;) {
      if (session.closed) throw new SessionError('CLIENT_CLOSED', 'the client is closed', { kind: 'rejected' });
      const decide = (snapshot: SessionSnapshot): TokenDecision => decideToken(snapshot, clock.now());
      const current = session.actor.getSnapshot();
      const decision = decide(current);
      if (decision.action === 'fail') throw decision.error;
      if (decision.action === 'serve') {
        const token = vault.accessToken;
        const userId = vault.userId;
        if (token === null || userId === null) throw new SessionError('NOT_LOGGED_IN', 'no user is logged in', { kind: 'refreshRejected' });
        return { token, generation: vault.generation, userId };
      }
      if (decision.action === 'wake' && !woke) {
        // Expired while only scheduled: the timer never fired (sleep). Never hand out the stale token.
        woke = true;
        this.#session.send({ type: 'session.wake', reason: 'clockJump' });
        continue;
      }
      await session.waitFor((snapshot) => snapshot !== current && decide(snapshot).action !== 'wait');
    }
  }

  rejected(generation: number): void {
    this.#session.send({ type: 'session.accessRejected', generation });
  }

  accepted(generation: number): void {
    if (generation === this.#lastAccepted) return;
    this.#lastAccepted = generation;
    this.#session.send({ type: 'session.accessAccepted', generation });
  }
}
