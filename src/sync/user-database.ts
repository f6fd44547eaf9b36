import { addRxPlugin, createRxDatabase, defaultHashSha256 } from 'rxdb';
import type { RxCollectionCreator, RxConflictHandler, RxDatabase, RxJsonSchema, RxStorage } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import type { Subscription } from 'rxjs';
import { tabsShareStorage } from '../platform/tabs-share-storage.ts';
import { REJECTED_COLLECTION, rejectedDocumentSchema } from './rejected-documents.ts';
import { serverWinsConflictHandler } from './server-wins-conflict-handler.ts';
import { followMigrations } from './schema-migration.ts';
import type { MigrationProgress } from './schema-migration.ts';

/**
 * What the app declares per collection: its RxDB JSON schema and, optionally, how conflicts
 * reported by the server are resolved (default: {@link serverWinsConflictHandler}).
 *
 * @example
 * ```ts
 * const todo: CollectionDefinition = { schema: todoSchema };
 * ```
 */
export interface CollectionDefinition extends Omit<RxCollectionCreator<any>, 'schema' | 'conflictHandler'> {
  schema: RxJsonSchema<any>;
  conflictHandler?: RxConflictHandler<any>;
}

// Options of the app's collection definitions that are not RxDB's: the sync layer reads them.
const SYNC_ONLY_OPTIONS = new Set(['graphql', 'schemaVersionOf', 'deletedField']);

/**
 * Options of {@link openUserDatabase}.
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
  /** Progress of a schema migration while the collections open (RxDB migrates them before they are usable); null once done. */
  onMigration?(progress: MigrationProgress | null): void;
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
  // Needed for any collection above version 0; adding it again is a no-op.
  addRxPlugin(RxDBMigrationSchemaPlugin);
  if (REJECTED_COLLECTION in opts.collections) {
    throw new Error(`the collection name "${REJECTED_COLLECTION}" is reserved by session-sync`);
  }
  const db = await createRxDatabase({
    name: await userDatabaseName(opts.databaseName, opts.userId),
    storage: opts.storage,
    multiInstance: opts.multiInstance ?? tabsShareStorage(),
  });
  const creators: Record<string, RxCollectionCreator<any>> = {
    [REJECTED_COLLECTION]: { schema: rejectedDocumentSchema },
  };
  for (const [name, def] of Object.entries(opts.collections)) {
    const rxOptions = Object.fromEntries(Object.entries(def).filter(([key]) => !SYNC_ONLY_OPTIONS.has(key)));
    creators[name] = { ...rxOptions, schema: def.schema, conflictHandler: def.conflictHandler ?? serverWinsConflictHandler() };
  }
  // A migration runs inside addCollections, which resolves only once it is done.
  const migrations: Subscription | null = opts.onMigration ? followMigrations(db, opts.onMigration) : null;
  try {
    await db.addCollections(creators);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  } finally {
    migrations?.unsubscribe();
    opts.onMigration?.(null);
  }
  return db;
}
