import { decodeJwt, type JWTPayload } from 'jose';
import { SessionError } from '../errors/session-error.ts';

/**
 * What the client reads from an access token to schedule its refresh. Decoded, never verified:
 * the server verifies; nothing here is a security decision.
 *
 * @example
 * ```ts
 * const info = readAccessToken(grant.accessToken, grant.receivedAt, grant.serverDate);
 * info.accessExpiresAt; // local-clock epoch ms
 * ```
 */
export interface AccessTokenInfo {
  /** `sub`, when present. */
  userId: string | null;
  /** `iat` in epoch ms (server clock), when present. */
  issuedAt: number | null;
  /** `exp − iat` (or `expires_in`) in ms, when known. */
  lifetimeMs: number | null;
  /**
   * Local-clock epoch ms, never later than the real expiry: `issuedAfter + lifetime − slack`, or `exp`
   * corrected by the Date-header skew. The slack (1 s, at most a quarter of the lifetime) covers `iat`
   * being floored to the whole second.
   */
  accessExpiresAt: number;
  /** Estimate of server clock − local clock, in ms (0 when unknown). */
  skewMs: number;
  /** The token's `user_data` claim (App Services custom user data), or `{}`. */
  customData: Record<string, unknown>;
}

/**
 * Reads an access token issued after local time `issuedAfter` (when the request was sent: the issue
 * time cannot be earlier). Expiry prefers the token's own lifetime (`exp − iat`) added to that time,
 * which is immune to a wrong device clock; else the server's
 * `expires_in`; else `exp` shifted by the skew between the response's `Date` header and the local
 * clock; else `exp` as is.
 *
 * @param expiresInSec - OAuth `expires_in`, which also makes opaque (non-JWT) access tokens usable.
 * @throws SessionError `PROTOCOL` when the token is neither a readable JWT with `exp` nor opaque with `expires_in`.
 * @example
 * ```ts
 * const { accessExpiresAt, customData } = readAccessToken(jwt, Date.now());
 * ```
 */
export function readAccessToken(token: string, issuedAfter: number, serverDate?: number, expiresInSec?: number): AccessTokenInfo {
  const statedLifetimeMs = expiresInSec !== undefined && expiresInSec > 0 ? expiresInSec * 1000 : null;
  const payload = decode(token);
  if (!payload) {
    if (statedLifetimeMs === null) throw malformed('access token is not a readable JWT');
    const skewMs = serverDate === undefined ? 0 : serverDate - issuedAfter;
    return { userId: null, issuedAt: null, lifetimeMs: statedLifetimeMs, accessExpiresAt: issuedAfter + statedLifetimeMs, skewMs, customData: {} };
  }
  const exp = numeric(payload.exp);
  const iat = numeric(payload.iat);
  const issuedAt = iat === null ? null : iat * 1000;
  const skewMs = serverDate !== undefined ? serverDate - issuedAfter : 0;
  const claimedLifetimeMs = exp !== null && iat !== null && exp > iat ? (exp - iat) * 1000 : null;
  let lifetimeMs: number | null = claimedLifetimeMs ?? statedLifetimeMs;
  let accessExpiresAt: number;
  if (claimedLifetimeMs !== null) accessExpiresAt = issuedAfter + claimedLifetimeMs - flooringSlack(claimedLifetimeMs);
  else if (lifetimeMs !== null) accessExpiresAt = issuedAfter + lifetimeMs;
  else if (exp !== null) accessExpiresAt = exp * 1000 - skewMs;
  else throw malformed('access token has no "exp" and no stated lifetime');
  if (lifetimeMs === null && exp !== null && iat !== null) lifetimeMs = (exp - iat) * 1000;
  const userData = payload['user_data'];
  return {
    userId: typeof payload.sub === 'string' ? payload.sub : null,
    issuedAt,
    lifetimeMs,
    accessExpiresAt,
    skewMs,
    customData: isRecord(userData) ? userData : {},
  };
}

/**
 * The local-clock expiry of a refresh token, or `null` when it is opaque or carries no `exp` (then only
 * the server knows, and finds out on the next refresh).
 *
 * @param issuedAfter - local time the request was sent.
 * @param skewMs - server clock − local clock, e.g. {@link AccessTokenInfo.skewMs} of the same grant.
 * @example
 * ```ts
 * const refreshExpiresAt = readRefreshTokenExpiry(grant.refreshToken, grant.receivedAt, info.skewMs);
 * ```
 */
export function readRefreshTokenExpiry(token: string, issuedAfter: number, skewMs: number): number | null {
  const payload = decode(token);
  const exp = payload ? numeric(payload.exp) : null;
  if (exp === null) return null;
  const iat = numeric(payload?.iat);
  if (iat === null || exp <= iat) return exp * 1000 - skewMs;
  const lifetimeMs = (exp - iat) * 1000;
  return issuedAfter + lifetimeMs - flooringSlack(lifetimeMs);
}

// `iat` is floored to the second, so a token may expire up to 1 s before issue + (exp − iat). The
// quarter-lifetime cap keeps test tokens of 1–2 s usable (their 401s are handled reactively).
function flooringSlack(lifetimeMs: number): number {
  return Math.min(1000, lifetimeMs / 4);
}

function decode(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

function numeric(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(message: string): SessionError {
  return new SessionError('PROTOCOL', message, { kind: 'protocol' });
}
