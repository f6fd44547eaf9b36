import { SessionError } from '../errors/session-error.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { parseStoredSession, type SessionStore } from './session-store.ts';

/**
 * Options of {@link indexedDbSessionStore}.
 */
export interface IndexedDbSessionStoreOptions {
  /** IndexedDB database holding the session. Default `session-sync.session`. */
  databaseName?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactoryLike;
  logger?: Logger;
}

/** The DOM's `IDBFactory` where the app's lib has it, else `object`: the declarations need no DOM lib. */
type IDBFactoryLike = typeof globalThis extends { indexedDB: infer F } ? F : object;

const OBJECT_STORE = 'session';
const KEY = 'current';

/**
 * Keeps the session in IndexedDB: it survives reloads, and unlike localStorage it is consistent across
 * tabs. A save resolves once its transaction committed, so a tab that takes the refresh lock after
 * another tab's refresh always reads the new tokens; with a server that rotates refresh tokens, this
 * is what keeps two tabs from presenting one refresh token twice. Script on the page can read it, as
 * it can localStorage. A corrupt or wrong-version value loads as `null` and is logged without its content.
 *
 * @throws SessionError `INVALID_OPTION` when no `indexedDB` is given and `globalThis.indexedDB` is missing.
 * @example
 * ```ts
 * createSyncClient({ auth, sessionStore: indexedDbSessionStore() });
 * ```
 */
export function indexedDbSessionStore(opts: IndexedDbSessionStoreOptions = {}): SessionStore {
  const factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    throw new SessionError('INVALID_OPTION', 'indexedDbSessionStore: no indexedDB here; pass { indexedDB }');
  }
  const databaseName = opts.databaseName ?? 'session-sync.session';
  const logger = opts.logger ?? silentLogger;
  let opening: Promise<IDBDatabase> | null = null;

  const database = (): Promise<IDBDatabase> => {
    opening ??= openDatabase(factory, databaseName).then(
      (db) => {
        // Another tab deleting or upgrading the database: let it, and reopen on the next call.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        db.onclose = () => {
          opening = null;
        };
        return db;
      },
      (error: unknown) => {
        opening = null;
        throw error;
      },
    );
    return opening;
  };

  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await database();
    // Strict: a rotated refresh token that is lost in a crash would end the session at the next refresh.
    const tx = db.transaction(OBJECT_STORE, mode, { durability: 'strict' });
    const request = work(tx.objectStore(OBJECT_STORE));
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
  };

  return {
    name: `indexeddb:${databaseName}`,
    async load() {
      const value: unknown = await run('readonly', (store) => store.get(KEY));
      if (value === undefined) return null;
      const session = parseStoredSession(value);
      if (!session) logger.warn('stored session has an unknown shape or version; ignoring it', { databaseName });
      return session;
    },
    async save(session) {
      await run('readwrite', (store) => store.put(session, KEY));
    },
    async clear() {
      await run('readwrite', (store) => store.delete(KEY));
    },
  };
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(OBJECT_STORE)) request.result.createObjectStore(OBJECT_STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`could not open IndexedDB database ${name}`));
  });
}
