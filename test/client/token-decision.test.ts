import { describe, expect, it } from 'vitest';
import type { SessionContext } from '../../machines/session-events.ts';
import { sessionMachine } from '../../machines/session.machine.ts';
import { decideToken } from '../../src/client/tokens.ts';

const NOW = 1_000_000;
const context = (over: Partial<SessionContext>): SessionContext => ({
  userId: 'ann',
  accessExpiresAt: NOW + 60_000,
  accessLifetimeMs: 1_800_000,
  refreshExpiresAt: null,
  refreshMarginMs: 60_000,
  refreshTrigger: null,
  generation: 1,
  failedRefreshes: 0,
  retryAfterMs: null,
  rejectedAfterRefresh: 0,
  maxRejectsAfterRefresh: 3,
  reloginReason: null,
  lastError: null,
  ...over,
});
const at = (value: string | object, over: Partial<SessionContext> = {}) =>
  decideToken(sessionMachine.resolveState({ value: value as never, context: context(over) }), NOW);
const expired = { accessExpiresAt: NOW };

describe('which token request gets a token, waits, or fails', () => {
  it.each([
    ['restoring', 'wait', 'restoring', {}],
    ['loggingIn', 'wait', 'loggingIn', {}],
    ['reloggingIn', 'wait', { signedIn: 'reloggingIn' }, {}],
    ['active, valid', 'serve', { signedIn: 'active' }, {}],
    ['active, expired (slept)', 'wake', { signedIn: 'active' }, expired],
    ['proactive refresh, valid token', 'serve', { signedIn: { refreshing: 'requesting' } }, { refreshTrigger: 'proactive' }],
    ['wake refresh, expired token', 'wait', { signedIn: { refreshing: 'requesting' } }, { refreshTrigger: 'wake', ...expired }],
    ['reactive refresh', 'wait', { signedIn: { refreshing: 'requesting' } }, { refreshTrigger: 'reactive' }],
    ['backoff, valid token', 'serve', { signedIn: { refreshing: 'backoff' } }, { refreshTrigger: 'proactive' }],
    ['loggingOut, flushing with a valid token', 'serve', 'loggingOut', {}],
  ] as const)('%s → %s', (_, action, value, over) => {
    expect(at(value, over).action).toBe(action);
  });

  it.each([
    ['loggedOut', 'NOT_LOGGED_IN', 'loggedOut', {}],
    ['loggingOut, token expired', 'NOT_LOGGED_IN', 'loggingOut', expired],
    ['loggingOut from refreshExpired', 'NOT_LOGGED_IN', 'loggingOut', { reloginReason: 'refreshRejected' }],
    ['refreshExpired', 'RELOGIN_REQUIRED', { signedIn: 'refreshExpired' }, { reloginReason: 'refreshRejected' }],
    ['refreshExpired after a 401 loop', 'ACCESS_REJECTED_LOOP', { signedIn: 'refreshExpired' }, { reloginReason: 'accessRejectedAfterRefresh' }],
    ['backoff, expired token', 'NETWORK', { signedIn: { refreshing: 'backoff' } }, { refreshTrigger: 'proactive', ...expired }],
    ['backoff, rejected token', 'NETWORK', { signedIn: { refreshing: 'backoff' } }, { refreshTrigger: 'reactive' }],
  ] as const)('%s → fails with %s', (_, code, value, over) => {
    const decision = at(value, over);
    expect(decision.action).toBe('fail');
    expect(decision.action === 'fail' && decision.error.code).toBe(code);
  });
});
