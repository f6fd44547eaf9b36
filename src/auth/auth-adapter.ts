import type { Clock } from '../platform/clock.ts';

/**
 * What the user types to log in.
 *
 * @example
 * ```ts
 * const credentials: Credentials = { username: 'ann@example.com', password: 'secret' };
 * ```
 */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Tokens returned by a login or refresh, with when they arrived (for lifetime-based expiry).
 *
 * @example
 * ```ts
 * const grant: TokenGrant = { accessToken: jwt, refreshToken: rt, userId: 'u1', receivedAt: clock.now() };
 * ```
 */
export interface TokenGrant {
  accessToken: string;
  /** Present on login; on refresh only when the server rotates refresh tokens. */
  refreshToken?: string;
  userId?: string;
  /** Local epoch ms when the response arrived. */
  receivedAt: number;
  /** Local epoch ms when the request was sent: the tokens were issued after it (safer expiry base). */
  sentAt?: number;
  /** The response's HTTP `Date` header as epoch ms (server clock, 1 s resolution), when present. */
  serverDate?: number;
  /** OAuth `expires_in` (seconds), when the server stated it: lets opaque access tokens expire too. */
  expiresInSec?: number;
}

/**
 * The I/O an adapter may use, passed in so tests and apps control it.
 *
 * @example
 * ```ts
 * const ctx: AuthContext = { fetch: globalThis.fetch, clock: systemClock, signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface AuthContext {
  fetch: typeof fetch;
  /** Cancels the request (e.g. the session actor stopped). */
  signal?: AbortSignal;
  clock: Clock;
  /** Per request; default 30 s; 0 disables. A timeout is a transient failure. */
  timeoutMs?: number;
}

/**
 * Talks to an auth server. Implementations throw {@link SessionError}s whose `kind` comes from
 * `classifyFailure` with the matching phase ('login' | 'refresh'), so the session knows whether to
 * back off (transient), wait (rateLimited), or ask for a new login (refreshRejected).
 *
 * @example
 * ```ts
 * const auth: AuthAdapter = appServicesAuth({ baseUrl, appId: 'my-app' });
 * const grant = await auth.login({ username, password }, ctx);
 * ```
 */
export interface AuthAdapter {
  login(credentials: Credentials, ctx: AuthContext): Promise<TokenGrant>;
  /** The grant may carry a rotated refresh token; persist it before using the new access token. */
  refresh(refreshToken: string, ctx: AuthContext): Promise<TokenGrant>;
  /** Revokes the session server-side. Throws like the others; callers treat it as best effort. */
  logout(refreshToken: string, ctx: AuthContext): Promise<void>;
}
