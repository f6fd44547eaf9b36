import type { KeyFunctionMap, MigrationStrategies, RxCacheReplacementPolicy, RxCollection, RxConflictHandler, RxJsonSchema, RxStorage } from 'rxdb';
import { SessionError } from '../errors/session-error.ts';
import type { CollectionOperations } from './graphql-operations.ts';
import { REJECTED_COLLECTION } from './rejected-documents.ts';
import type { RetryPolicy } from './retry-delay.ts';

/**
 * One synced collection: its RxDB JSON schema, optionally the GraphQL operations of a server with
 * other naming conventions (default: `pullTodo`/`pushTodo`/`streamTodo` for `todo`), and how
 * conflicts are resolved (default: the server wins). A typed schema (`RxJsonSchema<Todo>`) types
 * the collection: `client.collections.todo` is then an `RxCollection<Todo>`.
 *
 * @example
 * ```ts
 * interface Todo { id: string; title: string; done: boolean; updatedAt?: number }
 * const todoSchema: RxJsonSchema<Todo> = { version: 0, primaryKey: 'id', type: 'object', properties: { … }, required: ['id'] };
 * const todo: SyncCollectionOptions<Todo> = { schema: todoSchema };
 * const hero: SyncCollectionOptions = { schema: heroSchema, graphql: heroOperations, conflictHandler };
 * ```
 */
export interface SyncCollectionOptions<RxDocType = any> {
  schema: RxJsonSchema<RxDocType>;
  graphql?: CollectionOperations;
  conflictHandler?: RxConflictHandler<RxDocType>;
  /**
   * RxDB's migration strategies, one function for every version from 1 to `schema.version`. The
   * database migrates when it opens, before sync starts; documents the server already has are not
   * pushed again, writes it has not are pushed once, in their migrated shape (README "Schema upgrades").
   */
  migrationStrategies?: MigrationStrategies;
  /** Only `true` (RxDB's default): sync cannot start on a collection that still has to migrate. */
  autoMigrate?: true;
  /**
   * Mixed versions: the schema version a document from the server was written under. Documents of an
   * older version go through `migrationStrategies` from that version up before they are stored, so a
   * device still on the old app does not hand the new one old-shape documents. Default: not migrated.
   */
  schemaVersionOf?(serverDocument: Record<string, unknown>): number;
  /** RxDB ORM: document methods, collection statics, attachment methods. */
  methods?: KeyFunctionMap;
  statics?: KeyFunctionMap;
  attachments?: KeyFunctionMap;
  /** Passed to RxDB unchanged: collection `options`, local documents (never synced), query cache, storage options. */
  options?: Record<string, unknown>;
  localDocuments?: boolean;
  cacheReplacementPolicy?: RxCacheReplacementPolicy;
  liveQueryUpdateThrottleTime?: number;
  instanceCreationOptions?: unknown;
}

/** The keys of {@link SyncCollectionOptions}: anything else (the collection's name, a storage instance) is the library's to set. */
const COLLECTION_OPTIONS = new Set([
  'schema', 'graphql', 'conflictHandler', 'migrationStrategies', 'autoMigrate', 'schemaVersionOf', 'methods', 'statics',
  'attachments', 'options', 'localDocuments', 'cacheReplacementPolicy', 'liveQueryUpdateThrottleTime', 'instanceCreationOptions',
]);

/**
 * Sync tuning; every field is optional, and the defaults are meant for Node and browsers alike.
 */
export interface SyncTuningOptions {
  /** Documents per pull request. Default 1,000 (measured: fewer, larger pages; see the README's Benchmarks). */
  pullBatchSize?: number;
  /** Documents per push request, at most. Default 500. */
  pushBatchSize?: number;
  /** A push request's body stays under this many bytes (a batch is sent as several requests). Default 1 MiB, the reference server's limit. */
  maxRequestBytes?: number;
  /** Without `graphql.wsUrl`: pull every this many ms. Default 30 s. */
  pullIntervalMs?: number;
  /** `status.sync` becomes `stalled` after this long without a successful request while running. Default 120 s. */
  stalledAfterMs?: number;
  /**
   * Share each user database between tabs (RxDB leader election). Default: on only where tabs can
   * share a database (`BroadcastChannel` and `navigator.locks`); off in Node, where RxDB would run
   * a ~400 ms file-based election and install process `unload` handlers.
   */
  multiInstance?: boolean;
  /** Replicate only in the leader tab. Default true. */
  waitForLeadership?: boolean;
  /**
   * A WebSocket class for the live stream. Default: `globalThis.WebSocket`, else (Node 20) the `ws`
   * package, which is never part of a browser bundle. Without either, sync shows `error`.
   */
  webSocketImpl?: unknown;
  /** Backoff of failed sync requests. Default 500 ms doubling to 30 s, equal jitter. */
  retry?: RetryPolicy;
}

/**
 * What sync needs once validated; null when the app configured no collections.
 */
export interface ResolvedSyncOptions {
  storage: RxStorage<any, any>;
  databaseName: string;
  collections: Record<string, SyncCollectionOptions>;
  graphqlUrl: string;
  wsUrl: string | undefined;
  timeoutMs: number | undefined;
  tuning: SyncTuningOptions;
}

/**
 * The sync part of `createSyncClient`'s options.
 */
export interface SyncOptionsInput {
  storage?: RxStorage<any, any>;
  databaseName?: string;
  collections?: Record<string, SyncCollectionOptions>;
  sync?: SyncTuningOptions;
}

const invalid = (option: string, expected: string, value: unknown): SessionError =>
  new SessionError('INVALID_OPTION', `options.${option}: expected ${expected}, got ${value === null ? 'null' : typeof value}`, {
    kind: 'rejected',
  });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function positiveInteger(option: string, value: unknown): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) throw invalid(option, 'an integer ≥ 1', value);
}

function nonNegative(option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw invalid(option, 'a non-negative number', value);
  }
}

function optionalBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(option, 'a boolean', value);
}

function functionMap(option: string, value: unknown): void {
  if (value !== undefined && (!isObject(value) || Object.values(value).some((f) => typeof f !== 'function'))) {
    throw invalid(option, 'an object of functions', value);
  }
}

// What would break sync: options the library sets itself, a version RxDB could not open, a field the
// replication owns, and a collection left unmigrated while sync runs.
function assertSyncableCollection(name: string, def: SyncCollectionOptions): void {
  const at = `collections.${name}`;
  const unknown = Object.keys(def).filter((key) => !COLLECTION_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new SessionError('INVALID_OPTION', `options.${at}.${unknown[0]}: not a collection option session-sync passes to RxDB (it sets ${unknown.join(', ')} itself or does not know it)`, { kind: 'rejected' });
  }
  const { schema } = def;
  if (def.graphql === undefined && schema.primaryKey !== 'id') throw invalid(`${at}.schema.primaryKey`, '"id", the key the server syncs by', schema.primaryKey);
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const field of ['deleted', '_deleted']) {
    if (field in properties) throw invalid(`${at}.schema.properties.${field}`, 'no such property: the replication maps the server\'s delete flag to RxDB\'s _deleted', field);
  }
  const version = schema.version;
  if (!Number.isInteger(version) || version < 0) throw invalid(`${at}.schema.version`, 'an integer ≥ 0', version);
  const strategies = def.migrationStrategies;
  functionMap(`${at}.migrationStrategies`, strategies);
  for (let v = 1; v <= version; v++) {
    if (typeof strategies?.[v] !== 'function') {
      throw new SessionError('INVALID_OPTION', `options.${at}.migrationStrategies: schema.version is ${version}, so a function for version ${v} is needed (RxDB cannot open older data without it)`, { kind: 'rejected' });
    }
  }
  const extra = Object.keys(strategies ?? {}).find((key) => !(Number(key) >= 1 && Number(key) <= version));
  if (extra !== undefined) throw invalid(`${at}.migrationStrategies.${extra}`, `a version from 1 to schema.version (${version})`, extra);
  if (def.autoMigrate !== undefined && def.autoMigrate !== true) {
    throw new SessionError('INVALID_OPTION', `options.${at}.autoMigrate: only true; sync cannot start on a collection that still has to migrate (progress shows in status.migration)`, { kind: 'rejected' });
  }
  if (def.schemaVersionOf !== undefined && typeof def.schemaVersionOf !== 'function') throw invalid(`${at}.schemaVersionOf`, 'a function', def.schemaVersionOf);
  for (const option of ['methods', 'statics', 'attachments'] as const) functionMap(`${at}.${option}`, def[option]);
  optionalBoolean(`${at}.localDocuments`, def.localDocuments);
}

/**
 * Validates the sync options (throws `INVALID_OPTION` naming the option at fault). Sync is on when
 * `collections` is given; it then needs `storage`, `databaseName` and `graphql.url`.
 *
 * @example
 * ```ts
 * resolveSyncOptions({ storage, databaseName: 'todo-app', collections: { todo: { schema } } }, { url }); // { … }
 * resolveSyncOptions({}, null); // null: no sync
 * ```
 */
export function resolveSyncOptions(
  options: SyncOptionsInput,
  graphql: { url: string; wsUrl?: string; timeoutMs?: number } | null,
): ResolvedSyncOptions | null {
  const { collections, storage, databaseName } = options;
  if (collections === undefined) {
    if (storage !== undefined || databaseName !== undefined) throw invalid('collections', 'the collections to sync', collections);
    return null;
  }
  if (!isObject(collections) || Object.keys(collections).length === 0) {
    throw invalid('collections', 'an object with at least one collection', collections);
  }
  for (const [name, def] of Object.entries(collections)) {
    if (name === REJECTED_COLLECTION) throw invalid(`collections.${name}`, 'a name other than the reserved one', name);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw invalid(`collections.${name}`, 'a name of lowercase letters, digits and _', name);
    if (!isObject(def) || !isObject(def.schema)) throw invalid(`collections.${name}.schema`, 'an RxDB JSON schema', def?.schema);
    const ops = def.graphql;
    if (ops !== undefined && (!isObject(ops) || !isObject(ops.pull) || !isObject(ops.push))) {
      throw invalid(`collections.${name}.graphql`, 'operations with pull and push', ops);
    }
    assertSyncableCollection(name, def as unknown as SyncCollectionOptions);
    const handler = def.conflictHandler;
    if (handler !== undefined && (!isObject(handler) || typeof handler.isEqual !== 'function' || typeof handler.resolve !== 'function')) {
      throw invalid(`collections.${name}.conflictHandler`, 'a conflict handler with isEqual and resolve', handler);
    }
  }
  if (!isObject(storage) || typeof (storage as { createStorageInstance?: unknown }).createStorageInstance !== 'function') {
    throw invalid('storage', 'an RxStorage (e.g. getRxStorageDexie())', storage);
  }
  if (typeof databaseName !== 'string' || !/^[a-z][a-z0-9_$-]*$/.test(databaseName)) {
    throw invalid('databaseName', 'a lowercase name such as "todo-app"', databaseName);
  }
  if (!graphql) throw invalid('graphql', 'the GraphQL endpoint to sync with', graphql);
  const tuning = options.sync ?? {};
  if (!isObject(tuning)) throw invalid('sync', 'sync tuning options', tuning);
  positiveInteger('sync.pullBatchSize', tuning.pullBatchSize);
  positiveInteger('sync.pushBatchSize', tuning.pushBatchSize);
  positiveInteger('sync.maxRequestBytes', tuning.maxRequestBytes);
  nonNegative('sync.pullIntervalMs', tuning.pullIntervalMs);
  nonNegative('sync.stalledAfterMs', tuning.stalledAfterMs);
  optionalBoolean('sync.multiInstance', tuning.multiInstance);
  optionalBoolean('sync.waitForLeadership', tuning.waitForLeadership);
  if (tuning.webSocketImpl !== undefined && typeof tuning.webSocketImpl !== 'function') {
    throw invalid('sync.webSocketImpl', 'a WebSocket class', tuning.webSocketImpl);
  }
  return {
    storage: storage as RxStorage<any, any>,
    databaseName,
    collections,
    graphqlUrl: graphql.url,
    wsUrl: graphql.wsUrl,
    timeoutMs: graphql.timeoutMs,
    tuning,
  };
}

/**
 * The RxCollections of the signed-in user, by the configured collection names, each typed by its
 * schema: `RxCollection<Todo>` for an `RxJsonSchema<Todo>`, `RxCollection<any>` for an untyped one.
 *
 * @example
 * ```ts
 * const todos: UserCollections<{ todo: SyncCollectionOptions<Todo> }> = client.collections;
 * await todos.todo.insert({ id: 't1', title: 'milk', done: false });
 * ```
 */
export type UserCollections<C extends Record<string, SyncCollectionOptions>> = {
  [K in keyof C]: RxCollection<CollectionDocument<C[K]>>;
};

/** The document type of one collection's options: its schema's, or `any` when the schema is untyped. */
export type CollectionDocument<O> = O extends SyncCollectionOptions<infer RxDocType> ? (unknown extends RxDocType ? any : RxDocType) : any;
