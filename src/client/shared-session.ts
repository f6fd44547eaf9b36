import { effectiveMargin } from '../../machines/session-logic.ts';
import { readAccessToken } from '../auth/token-info.ts';
import type { StoredSession } from '../session/session-store.ts';

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
 *
 * @example
 * ```ts
 * decideStoredSession({ stored: await store.load(), current: vault.toStored(), now, marginMs: 60_000 });
 * ```
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
