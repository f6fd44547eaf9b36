import { isAccessExpired } from '../../machines/session-logic.ts';
import { SessionError } from '../errors/session-error.ts';
import type { SessionSnapshot } from './session-status.ts';

/**
 * What `getValidAccessToken` should do in a given snapshot at `now`:
 * - `serve`: hand out the vault's token (active, a proactive refresh while the old token is valid, or
 *   a logout flushing the outbox);
 * - `wait`: a login, restore or reactive refresh is in flight;
 * - `wake`: active but the token has expired without the timer firing (the device slept): re-check;
 * - `fail`: no token will come without the app doing something.
 *
 * @example
 * ```ts
 * const decision: TokenDecision = decideToken(snapshot, now);
 * if (decision.action === 'fail') throw decision.error;
 * ```
 */
export type TokenDecision =
  | { action: 'serve' }
  | { action: 'wait' }
  | { action: 'wake' }
  | { action: 'fail'; error: SessionError };

/**
 * Decides how to answer a token request; pure, so every branch is table-testable.
 *
 * @example
 * ```ts
 * decideToken(actor.getSnapshot(), clock.now()); // { action: 'serve' }
 * ```
 */
export function decideToken(snapshot: SessionSnapshot, now: number): TokenDecision {
  const { context } = snapshot;
  const expired = isAccessExpired(context.accessExpiresAt, now);
  if (snapshot.matches('restoring') || snapshot.matches('loggingIn') || snapshot.matches({ signedIn: 'reloggingIn' })) {
    return { action: 'wait' };
  }
  if (snapshot.matches({ signedIn: 'active' })) return expired ? { action: 'wake' } : { action: 'serve' };
  if (snapshot.matches({ signedIn: 'refreshExpired' })) {
    return context.reloginReason === 'accessRejectedAfterRefresh'
      ? fail('ACCESS_REJECTED_LOOP', 'fresh access tokens keep being rejected; log in again', 'accessRejected')
      : fail('RELOGIN_REQUIRED', 'the session has expired; log in again', 'refreshRejected');
  }
  if (snapshot.matches({ signedIn: 'refreshing' })) {
    // A proactive refresh keeps serving the still-valid token; a rejected or expired one waits.
    const unusable = expired || context.refreshTrigger === 'reactive';
    if (!unusable) return { action: 'serve' };
    if (snapshot.matches({ signedIn: { refreshing: 'requesting' } })) return { action: 'wait' };
    return fail('NETWORK', 'the access token expired and the refresh is waiting for the network', 'transient');
  }
  // A logout first flushes the outbox with the still-valid token (the vault is cleared after).
  if (snapshot.matches('loggingOut') && context.reloginReason === null && !expired) return { action: 'serve' };
  return fail('NOT_LOGGED_IN', 'no user is logged in', 'refreshRejected');
}

function fail(code: SessionError['code'], message: string, kind: NonNullable<SessionError['kind']>): TokenDecision {
  return { action: 'fail', error: new SessionError(code, message, { kind }) };
}
