import { combineLatest, map, merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RxDatabase, RxJsonSchema } from 'rxdb';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import { CollectionReplication } from './collection-replication.ts';
import type { SyncDirection } from './collection-replication.ts';
import { defaultOperations } from './graphql-operations.ts';
import type { CollectionOperations } from './graphql-operations.ts';
import { LiveStream } from './live-stream.ts';
import type { RemoteChangeFeed } from './live-stream.ts';
import type { PendingWrites } from './pending-writes.ts';
import { PollFeed } from './poll-feed.ts';
import { REJECTED_COLLECTION } from './rejected-documents.ts';
import type { RejectedDocument } from './rejected-documents.ts';
import type { RetryOutcome } from './rejected-actions.ts';
import type { RetryPolicy } from './retry-delay.ts';
import type { CollectionSyncStatus, SyncState } from './sync-status.ts';
import type { SyncRuntime } from './sync-runtime.ts';
import { createSyncTransport } from './sync-transport.ts';
import type { TokenSource } from './sync-transport.ts';

/**
 * One synced collection: its schema and, for servers with other conventions, its operations.
 *
 * @example
 * ```ts
 * const collections: Record<string, SyncedCollection> = { todo: { schema: todoSchema }, hero: { schema: heroSchema, graphql: heroOps } };
 * ```
 */
export interface SyncedCollection {
  schema: RxJsonSchema<any>;
  graphql?: CollectionOperations;
  /** The server's delete flag; default `deleted`. */
  deletedField?: string;
  /** The schema version a server document was written under (older ones are migrated on the way in). */
  schemaVersionOf?(serverDocument: Record<string, unknown>): number;
}

/**
 * Options of {@link SyncEngine}: the sync runtime's parts (only `tokens` is required; `fetch`, the
 * clock and the logger default to the platform's and silence) and the replication's settings.
 */
export interface SyncEngineOptions extends Partial<SyncRuntime> {
  /** The signed-in user's database (see `openUserDatabase`). */
  database: RxDatabase;
  collections: Record<string, SyncedCollection>;
  graphqlUrl: string;
  /** Live stream endpoint; without it the engine pulls every `pullIntervalMs`. */
  wsUrl?: string | undefined;
  webSocketImpl?: unknown;
  pullIntervalMs?: number;
  /** Live stream ping interval and pong timeout (default 15 s). */
  keepAliveMs?: number;
  tokens: TokenSource;
  timeoutMs?: number;
  onFailure?(failure: ClassifiedFailure, where: { collection: string; direction: SyncDirection }): void;
  pullBatchSize?: number;
  pushBatchSize?: number;
  maxRequestBytes?: number;
  waitForLeadership?: boolean;
  retry?: RetryPolicy;
  stalledAfterMs?: number;
}

/**
 * The sync status of the whole database: counts are summed, times are the latest, `sync` is the
 * worst state of any collection (`error` over `offline` over `stalled` over `running`; `paused`
 * only when all are).
 *
 * @example
 * ```ts
 * sync.status$.subscribe(({ sync, pendingWrites, initialSync }) => render(sync, pendingWrites, initialSync.done));
 * ```
 */
export interface SyncStatus extends CollectionSyncStatus {
  collections: Record<string, CollectionSyncStatus>;
}

// Least to most severe; `error` (cannot start) outranks everything, `paused` only shows when all are.
const SEVERITY: readonly SyncState[] = ['running', 'stalled', 'offline', 'error'];

/**
 * The replication of every collection of one user database, driven as one: what the session
 * machine's `signedIn` state owns. `resume()` on `active`, `pause()` on `refreshExpired` (never
 * cancelled), `reconnect()` after a refresh, `flush()` before a logout, `close()` when leaving.
 *
 * @example
 * ```ts
 * const sync = new SyncEngine({ database: db, collections: { todo: { schema: todoSchema } },
 *   graphqlUrl, wsUrl, webSocketImpl: WebSocket, tokens });
 * await sync.open();
 * await sync.resume();
 * await sync.awaitInSync();
 * ```
 */
export class SyncEngine {
  /** Per-collection replications, by collection name. */
  readonly collections: Readonly<Record<string, CollectionReplication>>;
  readonly #streams: LiveStream[] = [];

  constructor(opts: SyncEngineOptions) {
    const transport = createSyncTransport({
      url: opts.graphqlUrl,
      tokens: opts.tokens,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    const rejectedStore = opts.database.collections[REJECTED_COLLECTION];
    if (!rejectedStore) throw new Error('the database was not opened with openUserDatabase()');
    const replications: Record<string, CollectionReplication> = {};
    for (const [name, def] of Object.entries(opts.collections)) {
      const collection = opts.database.collections[name];
      if (!collection) throw new Error(`collection "${name}" is not in the database`);
      const operations = def.graphql ?? defaultOperations(name, def.schema);
      const onFailure = (failure: ClassifiedFailure, direction: SyncDirection): void =>
        opts.onFailure?.(failure, { collection: name, direction });
      // The stream reports through its replication (the closure runs only after construction).
      const replication: CollectionReplication = new CollectionReplication({
        collection, rejectedStore, operations, transport,
        feed: this.#feed(opts, operations, (failure) => replication.streamFailed(failure)),
        replicationIdentifier: `${opts.graphqlUrl}|${name}`,
        onFailure,
        ...(def.deletedField ? { deletedField: def.deletedField } : {}),
        ...(def.schemaVersionOf ? { schemaVersionOf: def.schemaVersionOf } : {}),
        ...pick(opts, ['pullBatchSize', 'pushBatchSize', 'maxRequestBytes', 'waitForLeadership', 'retry', 'stalledAfterMs', 'clock', 'logger']),
      });
      replications[name] = replication;
    }
    this.collections = replications;
  }

  /** Combined status, re-emitted whenever a collection's status changes. */
  get status$(): Observable<SyncStatus> {
    const names = Object.keys(this.collections);
    return combineLatest(names.map((name) => this.collections[name]!.status$)).pipe(
      map((list) => combineStatus(names, list)),
    );
  }

  get status(): SyncStatus {
    const names = Object.keys(this.collections);
    return combineStatus(names, names.map((name) => this.collections[name]!.status));
  }

  /** Refused documents of every collection. */
  get rejected$(): Observable<RejectedDocument[]> {
    const all = Object.values(this.collections).map((replication) => replication.rejected$);
    return combineLatest(all).pipe(map((lists) => lists.flat()));
  }

  /** Every resolved conflict, tagged with its collection. */
  get conflict$(): Observable<{ collection: string; input: unknown; output: unknown }> {
    return merge(
      ...Object.entries(this.collections).map(([collection, replication]) =>
        replication.conflict$.pipe(map((conflict) => ({ collection, ...conflict })))),
    );
  }

  open(): Promise<void> {
    return this.#each((replication) => replication.open());
  }

  resume(): Promise<void> {
    return this.#each((replication) => replication.resume());
  }

  pause(): Promise<void> {
    return this.#each((replication) => replication.pause());
  }

  wake(): void {
    for (const replication of Object.values(this.collections)) replication.wake();
  }

  reconnect(): void {
    for (const replication of Object.values(this.collections)) replication.reconnect();
  }

  awaitInSync(): Promise<void> {
    return this.#each((replication) => replication.awaitInSync());
  }

  /** Pending writes per collection: for `onReloginRequired` and for what a logout leaves behind. */
  async pendingWrites(): Promise<Record<string, PendingWrites>> {
    const entries = await Promise.all(
      Object.entries(this.collections).map(async ([name, replication]) => [name, await replication.pendingWrites()] as const),
    );
    return Object.fromEntries(entries);
  }

  /** Pushes what it can within `timeoutMs`, then reports what stayed local. */
  async flush(timeoutMs: number): Promise<Record<string, PendingWrites>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.awaitInSync(), timeout]);
    clearTimeout(timer);
    return this.pendingWrites();
  }

  retryRejected(collection: string, documentId: string): Promise<RetryOutcome> {
    return this.#replication(collection).retryRejected(documentId);
  }

  discardRejected(collection: string, documentId: string): Promise<void> {
    return this.#replication(collection).discardRejected(documentId);
  }

  /** Stops every replication for good and closes the sockets; the database stays open. */
  async close(): Promise<void> {
    await this.#each((replication) => replication.close());
    await Promise.all(this.#streams.map((stream) => stream.close()));
  }

  #feed(opts: SyncEngineOptions, operations: CollectionOperations, onFailure: (f: ClassifiedFailure) => void): RemoteChangeFeed {
    if (!opts.wsUrl || !operations.stream) return new PollFeed(opts.pullIntervalMs ?? 30_000);
    const stream = new LiveStream({
      url: opts.wsUrl, tokens: opts.tokens, operation: operations.stream, onFailure,
      ...pick(opts, ['webSocketImpl', 'retry', 'logger', 'keepAliveMs']),
    });
    this.#streams.push(stream);
    return stream;
  }

  #replication(collection: string): CollectionReplication {
    const replication = this.collections[collection];
    if (!replication) throw new Error(`collection "${collection}" is not synced`);
    return replication;
  }

  async #each(run: (replication: CollectionReplication) => Promise<void>): Promise<void> {
    await Promise.all(Object.values(this.collections).map(run));
  }
}

function combineStatus(names: readonly string[], list: readonly CollectionSyncStatus[]): SyncStatus {
  const states = list.map((s) => s.sync);
  const sync: SyncState = states.every((s) => s === 'paused')
    ? 'paused'
    : SEVERITY.reduce<SyncState>((worst, s) => (states.includes(s) ? s : worst), 'running');
  const latest = (values: (number | null)[]): number | null =>
    values.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.max(a, b)), null);
  const errors = list.map((s) => s.lastError).filter((e): e is ClassifiedFailure => e !== null);
  return {
    sync,
    pendingWrites: list.reduce((sum, s) => sum + s.pendingWrites, 0),
    lastPulledAt: latest(list.map((s) => s.lastPulledAt)),
    lastPushedAt: latest(list.map((s) => s.lastPushedAt)),
    initialSync: {
      pulled: list.reduce((sum, s) => sum + s.initialSync.pulled, 0),
      done: list.every((s) => s.initialSync.done),
    },
    rejected: list.reduce((sum, s) => sum + s.rejected, 0),
    lastError: errors.at(-1) ?? null,
    collections: Object.fromEntries(names.map((name, i) => [name, list[i]!])),
  };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
