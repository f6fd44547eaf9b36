import type { RefreshResult, SessionInfo } from '../../machines/session-events.ts';
import type { TokenGrant } from '../auth/auth-adapter.ts';
import { readAccessToken, readRefreshTokenExpiry } from '../auth/token-info.ts';
import { SessionError } from '../errors/session-error.ts';
import type { StoredSession } from '../session/session-store.ts';

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
