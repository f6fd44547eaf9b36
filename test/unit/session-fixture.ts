import type { StoredSession } from '../../src/session/session-store.ts';

/** A valid stored session for store tests. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    version: 1,
    userId: 'user-1',
    accessToken: 'access-token-1',
    refreshToken: 'refresh-token-1',
    accessExpiresAt: 1_700_000_000_000,
    refreshExpiresAt: null,
    customData: { plan: 'pro' },
    ...overrides,
  };
}
