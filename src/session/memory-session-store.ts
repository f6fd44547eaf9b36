import type { SessionStore, StoredSession } from './session-store.ts';

/**
 * Keeps the session in memory only: the safest default, but every restart needs a new login.
 * Saved sessions are copied, so later edits by the caller do not leak in.
 *
 * @example
 * ```ts
 * const client = createSyncClient({ sessionStore: memorySessionStore(), ... });
 * ```
 */
export function memorySessionStore(): SessionStore {
  let current: StoredSession | null = null;
  return {
    load: async () => (current === null ? null : structuredClone(current)),
    save: async (session) => {
      current = structuredClone(session);
    },
    clear: async () => {
      current = null;
    },
  };
}
