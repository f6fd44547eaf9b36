import { SessionError } from '../errors/session-error.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { parseStoredSession, type SessionStore } from './session-store.ts';

/**
 * The part of the Web Storage API the store needs (`localStorage`, `sessionStorage`, or your own).
 * Spelled out rather than picked from the DOM's `Storage`, so the declarations need no DOM lib.
 *
 * @example
 * ```ts
 * const storage: StorageLike = window.sessionStorage;
 * ```
 */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Options of {@link localStorageSessionStore}.
 */
export interface LocalStorageSessionStoreOptions {
  /** Storage key. Default `session-sync.session`. */
  key?: string;
  /** Default `globalThis.localStorage`. */
  storage?: StorageLike;
  logger?: Logger;
}

/**
 * Keeps the session in a Web Storage object, so it survives reloads. Anything script on the page can
 * read `localStorage`: prefer the memory store (or a backend-for-frontend) for sensitive apps.
 * A corrupt or wrong-version value loads as `null`, is logged (without its content), and is left in
 * place: the next `save` overwrites it. For several tabs use {@link indexedDbSessionStore}: Chromium
 * syncs localStorage between tabs' processes later, so a tab can read tokens another tab already replaced.
 *
 * @throws SessionError `INVALID_OPTION` when no storage is given and `globalThis.localStorage` is missing.
 * @example
 * ```ts
 * const store = localStorageSessionStore({ key: 'my-app.session' });
 * ```
 */
export function localStorageSessionStore(opts: LocalStorageSessionStoreOptions = {}): SessionStore {
  const storage = opts.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) {
    throw new SessionError('INVALID_OPTION', 'localStorageSessionStore: no localStorage here; pass { storage }');
  }
  const key = opts.key ?? 'session-sync.session';
  const logger = opts.logger ?? silentLogger;
  return {
    name: key,
    async load() {
      const text = storage.getItem(key);
      if (text === null) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        logger.warn('stored session is not valid JSON; ignoring it', { key });
        return null;
      }
      const session = parseStoredSession(parsed);
      if (!session) logger.warn('stored session has an unknown shape or version; ignoring it', { key });
      return session;
    },
    async save(session) {
      storage.setItem(key, JSON.stringify(session));
    },
    async clear() {
      storage.removeItem(key);
    },
  };
}
