import { createRxDatabase, defaultHashSha256 } from 'rxdb';
import type { RxConflictHandler, RxDatabase, RxJsonSchema, RxStorage } from 'rxdb';
import { tabsShareStorage } from '../platform/tabs-share-storage.ts';
import { REJECTED_COLLECTION, rejectedDocumentSchema } from './rejected-documents.ts';
import { serverWinsConflictHandler } from './server-wins-conflict-handler.ts';

/**
 * What the app declares per collection: its RxDB JSON schema and, optionally, how conflicts
 * reported by the server are resolved (default: {@link serverWinsConflictHandler}).
 *
 * @example
 * ```ts
 * const todo: CollectionDefinition = { schema: todoSchema };
 * ```
 */
export interface CollectionDefinition {
  schema: RxJsonSchema<any>;
  conflictHandler?: RxConflictHandler<any>;
}

/**
 * Options of {@link openUserDatabase}.
 *
 * @example
 * ```ts
 * const opts: UserDatabaseOptions = { storage: getRxStorageDexie(), databaseName: 'todo-app', userId, collections };
 * ```
 */
export interface UserDatabaseOptions {
  /** Any RxStorage: memory in tests, Dexie in browsers. */
  storage: RxStorage<any, any>;
  /** The app's database name; the user's hash is appended. */
  databaseName: string;
  /** The signed-in user; each user gets their own database, so custody holds by construction. */
  userId: string;
  collections: Record<string, CollectionDefinition>;
  /**
   * Share the database between tabs (RxDB leader election). Default: true only where tabs can
   * share it (`BroadcastChannel` and `navigator.locks`, not Node), see {@link tabsShareStorage}.
   */
  multiInstance?: boolean;
}

/**
 * The database name of one user: `<databaseName>-<first 16 hex of sha256(userId)>`. Stable across
 * runs and platforms (Web Crypto), and the user id itself never appears on disk as a name.
 *
 * @example
 * ```ts
 * await userDatabaseName('todo-app', 'user-1'); // 'todo-app-2a97516c354b6884'
 * ```
 */
export async function userDatabaseName(databaseName: string, userId: string): Promise<string> {
  const digest = await defaultHashSha256(userId);
  return `${databaseName}-${digest.slice(0, 16)}`;
}

/**
 * Opens (or creates) the RxDB database of one user with the app's collections, plus the small
 * internal collection that keeps documents the server refused. When the collections cannot be
 * added (a storage that cannot open, e.g. Dexie without IndexedDB; a schema RxDB refuses), the
 * database is closed again before the error is rethrown, so its name is free for the next try.
 *
 * @example
 * ```ts
 * const db = await openUserDatabase({
 *   storage: getRxStorageMemory(), databaseName: 'todo-app', userId,
 *   collections: { todo: { schema: todoSchema } },
 * });
 * await db.collections.todo.insert({ id: 't1', title: 'milk', done: false, updatedAt: 0 });
 * ```
 */
export async function openUserDatabase(opts: UserDatabaseOptions): Promise<RxDatabase> {
  if (REJECTED_COLLECTION in opts.collections) {
    throw new Error(`the collection name "${REJECTED_COLLECTION}" is reserved by session-sync`);
  }
  const db = await createRxDatabase({
    name: await userDatabaseName(opts.databaseName, opts.userId),
    storage: opts.storage,
    multiInstance: opts.multiInstance ?? tabsShareStorage(),
  });
  const creators: Record<string, { schema: RxJsonSchema<any>; conflictHandler?: RxConflictHandler<any> }> = {
    [REJECTED_COLLECTION]: { schema: rejectedDocumentSchema },
  };
  for (const [name, def] of Object.entries(opts.collections)) {
    creators[name] = { schema: def.schema, conflictHandler: def.conflictHandler ?? serverWinsConflictHandler() };
  }
  try {
    await db.addCollections(creators);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}
