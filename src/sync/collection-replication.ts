import { concatMap, filter, firstValueFrom } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import type { ClassifiedFailure } from '../errors/classify-failure.ts';
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { silentLogger } from '../platform/logger.ts';
import type { CollectionOperations, PullBulk, PushRow, ServerDocument } from './graphql-operations.ts';
import type { RemoteChangeFeed, RemoteEvent } from './live-stream.ts';
import { countPendingWrites, storedCheckpoint } from './pending-writes.ts';
import type { PendingWrites } from './pending-writes.ts';
import { PendingWritesCounter } from './pending-writes-counter.ts';
import { PushBatches } from './push-batches.ts';
import type { SetAsideRow } from './push-batches.ts';
import { RejectedDocuments } from './rejected-documents.ts';
import { checkedBulk, withoutNulls } from './server-documents.ts';
import { answersFromBefore, ClientReset } from './client-reset.ts';
import type { Position } from './client-reset.ts';
import type { RejectedDocument } from './rejected-documents.ts';
import { RejectedActions } from './rejected-actions.ts';
import { migrateServerDocuments } from './schema-migration.ts';
import type { RetryOutcome } from './rejected-actions.ts';
import { retryDelay, Sleeper } from './retry-delay.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { SyncStatusTracker } from './sync-status.ts';
import type { CollectionSyncStatus } from './sync-status.ts';
import { failureOf, protocolError } from './sync-transport.ts';
import type { SyncTransport } from './sync-transport.ts';

/**
 * Where a failure happened.
 *
 * @example
 * ```ts
 * onFailure: (failure, direction: SyncDirection) => log.warn('sync', { direction, kind: failure.kind });
 * ```
 */
export type SyncDirection = 'pull' | 'push' | 'stream';

/**
 * Options of {@link CollectionReplication}.
 */
export interface CollectionReplicationOptions {
  collection: RxCollection;
  /** The user database's internal `sync_rejected` collection. */
  rejectedStore: RxCollection;
  operations: CollectionOperations;
  transport: SyncTransport;
  /** Remote change notifications: a {@link LiveStream} or a {@link PollFeed}. */
  feed: RemoteChangeFeed;
  /** Names the stored checkpoints; include the server URL so another server starts over. */
  replicationIdentifier: string;
  /** Every classified failure, for the session machine and the app. */
  onFailure?(failure: ClassifiedFailure, direction: SyncDirection): void;
  /** Documents per pull request. Default {@link DEFAULT_PULL_BATCH_SIZE}. */
  pullBatchSize?: number;
  /** Documents per push request, at most. Default {@link DEFAULT_PUSH_BATCH_SIZE}. */
  pushBatchSize?: number;
  /**
   * A push request's body stays under this many bytes: bigger batches go as several requests, and
   * a document that alone would be over it is set aside as `tooLarge`. Default 1 MiB.
   */
  maxRequestBytes?: number;
  /** The server's delete flag. Default `deleted`. */
  deletedField?: string;
  /**
   * The schema version a server document was written under: older ones are migrated with the
   * collection's migration strategies before RxDB stores them (pull, stream and conflicts alike).
   */
  schemaVersionOf?(serverDocument: ServerDocument): number;
  /** Replicate only in the leader tab (RxDB leader election). Default true. */
  waitForLeadership?: boolean;
  retry?: RetryPolicy;
  /** `stalled` after this long without a successful request while running. Default 120 s. */
  stalledAfterMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Documents per pull request by default: each request has a fixed cost of several ms (round trip,
 * parse, RxDB's per-page bookkeeping), so 1,000 per page pulls 10,000 documents in 11 requests
 * instead of 101; larger pages gain little and delay the first rows a user sees.
 *
 * @example
 * ```ts
 * createSyncClient({ ...options, sync: { pullBatchSize: DEFAULT_PULL_BATCH_SIZE * 2 } });
 * ```
 */
export const DEFAULT_PULL_BATCH_SIZE = 1_000;

/**
 * Documents per push request by default, also bounded by `maxRequestBytes`: a push is written to
 * the server in one transaction, so 500 keeps each one short while costing 20 requests per 10,000.
 *
 * @example
 * ```ts
 * createSyncClient({ ...options, sync: { pushBatchSize: DEFAULT_PUSH_BATCH_SIZE / 5 } });
 * ```
 */
export const DEFAULT_PUSH_BATCH_SIZE = 500;

/**
 * The default bound of a push request's body: the reference server's body limit (1 MiB).
 *
 * @example
 * ```ts
 * createSyncClient({ ...options, sync: { maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES / 4 } }); // a server limited to 256 KiB
 * ```
 */
export const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

// RxDB must never retry on its own: the handlers below never throw, this is only a backstop.
const RXDB_RETRY_MS = 24 * 3600_000;
// How long a held handler sleeps before looking again (resume(), pause() and close() wake it at once).
const HOLD_CHECK_MS = 1_000;

/**
 * One collection's replication with the GraphQL server: RxDB's `replicateRxCollection` with
 * handlers that classify their own failures, retry with backoff (never RxDB's fixed-interval
 * spin), set aside documents that cannot be pushed (see {@link PushBatches}), and stay silent
 * while held. It opens held: nothing is sent before `resume()`. `pause()` never cancels; writes
 * made meanwhile are pushed on resume.
 *
 * Held is ours alone: RxDB itself is never paused. RxDB 17.6's upstream drops a batch whose push
 * returns while it is paused, and a later queued pass with nothing left to send then stores the
 * up-checkpoint past that batch — the documents are never pushed. So a held handler does not
 * return until resumed (or closed), and every answer RxDB acts on is the server's.
 *
 * @example
 * ```ts
 * const replication = new CollectionReplication({ collection: db.collections.todo, rejectedStore: db.collections.sync_rejected,
 *   operations: defaultOperations('todo', todoSchema), transport, feed, replicationIdentifier: `${graphqlUrl}|todo` });
 * await replication.open();
 * await replication.resume();      // session active
 * await replication.pause();       // session refreshExpired: nothing is sent, writes keep queueing
 * ```
 */
export class CollectionReplication {
  readonly #opts: CollectionReplicationOptions;
  readonly #rx: RxReplicationState<any, unknown>;
  readonly #rejected: RejectedDocuments;
  readonly #actions: RejectedActions;
  readonly #status: SyncStatusTracker;
  readonly #sleeper = new Sleeper();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #subs: Subscription[] = [];
  readonly #pending: PendingWritesCounter;
  readonly #batches: PushBatches;
  // A client reset's own pushes: they go while RxDB's wait for it (see #pushable).
  readonly #resetBatches: PushBatches;
  readonly #reset: ClientReset;
  #held = true;
  // Whether the server answered a pull from the client's checkpoint since sync resumed or a request
  // failed: until it did, it may have been restored from a backup, and RxDB's pushes wait (see #pushable).
  #serverKnowsCheckpoint = false;
  #opened: Promise<void> | null = null;
  // The page after the last full one, requested while RxDB writes that one (see #pull).
  #ahead: PrefetchedPage | null = null;
  #confirming: Promise<void> | null = null;

  constructor(opts: CollectionReplicationOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? silentLogger;
    this.#status = new SyncStatusTracker({ clock: this.#clock, ...(opts.stalledAfterMs ? { stalledAfterMs: opts.stalledAfterMs } : {}) });
    this.#rejected = new RejectedDocuments(opts.rejectedStore, opts.collection.name);
    const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.#actions = new RejectedActions({
      collection: opts.collection, rejected: this.#rejected, transport: opts.transport, operations: opts.operations,
      afterChange: () => this.#pending.request(), clock: this.#clock, maxRequestBytes,
    });
    const batchesOf = (sendable: () => Promise<boolean>): PushBatches => new PushBatches({
      send: (rows) => this.#pushPart(rows),
      setAside: (entries) => this.#setAside(entries),
      sendable,
      sleep: (ms) => this.#sleeper.sleep(ms),
      succeeded: () => this.#status.succeeded('push'),
      failed: (failure) => {
        this.#pending.pushFailed();
        this.#report(failure, 'push');
      },
      maxRequestBytes, retry: opts.retry, logger: this.#logger,
    });
    this.#batches = batchesOf(() => this.#pushable());
    this.#resetBatches = batchesOf(() => this.#sendable());
    const pullBatchSize = opts.pullBatchSize ?? DEFAULT_PULL_BATCH_SIZE;
    const deletedField = opts.deletedField ?? 'deleted';
    this.#reset = new ClientReset(() => this.#rx.internalReplicationState, {
      collection: opts.collection.name, deletedField, batchSize: pullBatchSize, logger: this.#logger,
      pullPage: (checkpoint, batchSize) => this.#attempt('pull', null, () => this.#fetchPage(checkpoint, batchSize)),
      push: async (rows) => {
        await this.#resetBatches.push(rows);
        return !this.#held && !this.#rx.isStopped();
      },
      setAsideIds: async () => new Set((await this.#rejected.list()).map((entry) => entry.documentId)),
    });
    this.#rx = replicateRxCollection<any, unknown>({
      replicationIdentifier: opts.replicationIdentifier,
      collection: opts.collection,
      deletedField,
      live: true,
      autoStart: false,
      retryTime: RXDB_RETRY_MS,
      waitForLeadership: opts.waitForLeadership ?? true,
      toggleOnDocumentVisible: false,
      pull: {
        batchSize: pullBatchSize,
        handler: (checkpoint, batchSize) => this.#pull(checkpoint, batchSize),
        stream$: opts.feed.events$.pipe(concatMap((event) => this.#streamItem(event))) as Observable<RxReplicationPullStreamItem<any, unknown>>,
      },
      push: {
        batchSize: opts.pushBatchSize ?? DEFAULT_PUSH_BATCH_SIZE,
        handler: (rows) => this.#push(rows as PushRow[]),
        modifier: (doc: WithDeleted<any>) => this.#actions.suppressed(doc) ? null : doc,
      },
    });
    this.#pending = new PendingWritesCounter({
      collection: opts.collection, replication: this.#rx, status: this.#status, held: () => this.#held, logger: this.#logger,
    });
  }

  /** This collection's sync status; `sync` starts as `paused`. */
  get status$(): Observable<CollectionSyncStatus> {
    return this.#status.status$;
  }

  get status(): CollectionSyncStatus {
    return this.#status.current;
  }

  /** Conflicts the server reported and the collection's conflict handler resolved. */
  get conflict$(): Observable<{ input: unknown; output: unknown }> {
    return this.#rx.conflict$ as Observable<{ input: unknown; output: unknown }>;
  }

  /** Documents the server refused, re-emitted on each change. */
  get rejected$(): Observable<RejectedDocument[]> {
    return this.#rejected.list$;
  }

  /** The RxDB replication state, for `received$`/`sent$`/`awaitDocumentPushed`. */
  get rxReplication(): RxReplicationState<any, unknown> {
    return this.#rx;
  }

  /** Starts RxDB's replication held (its handlers wait): checkpoints are loaded, nothing is sent. Idempotent. */
  open(): Promise<void> {
    this.#opened ??= (async () => {
      this.#subs.push(
        this.#pending.start(),
        this.#rejected.list$.subscribe((list) => this.#status.counts({ rejected: list.length })),
      );
      const db = this.#opts.collection.database;
      // With autoStart off, RxDB leaves leader election to the caller.
      if ((this.#opts.waitForLeadership ?? true) && db.multiInstance) await db.waitForLeadership();
      await this.#rx.start();
      this.#pending.request();
    })();
    return this.#opened;
  }

  /** Sends again: pulls from the stored checkpoint and pushes everything written meanwhile. */
  async resume(): Promise<void> {
    await this.open();
    if (!this.#held) return;
    this.#held = false;
    this.#serverKnowsCheckpoint = false;
    this.#status.resumed();
    this.#opts.feed.start();
    // Remote changes made while held are pulled from the stored checkpoint.
    this.#rx.reSync();
    this.#sleeper.wake();
  }

  /** Stops sending without cancelling; a request already in flight still completes and counts. */
  async pause(): Promise<void> {
    await this.open();
    if (this.#held) return;
    this.#held = true;
    this.#ahead = null;
    this.#opts.feed.stop();
    this.#status.paused();
    this.#sleeper.wake();
    this.#pending.request();
  }

  /** A failure of the live stream: reported like the handlers' own, and shown in the status. */
  streamFailed(failure: ClassifiedFailure): void {
    this.#report(failure, 'stream');
  }

  /** Retry now instead of waiting out the backoff (network back, tab visible, token refreshed). */
  wake(): void {
    this.#sleeper.wake();
  }

  /**
   * Reconnect the live stream so it carries the current token (call after a refresh). A refresh
   * that just succeeded also means the server answers: a request backing off retries now.
   */
  reconnect(): void {
    this.#opts.feed.reconnect();
    this.#sleeper.wake();
  }

  /** Resolves once running and in sync: everything local pushed, everything remote pulled; `status.pendingWrites` is then exact. */
  async awaitInSync(): Promise<void> {
    await this.open();
    await firstValueFrom(this.#status.status$.pipe(filter((s) => s.sync !== 'paused')));
    await this.#rx.awaitInSync();
    await this.#pending.settle();
  }

  /** Local writes the server has not accepted yet: count and local time of the oldest. */
  async pendingWrites(): Promise<PendingWrites> {
    await this.open();
    return countPendingWrites(this.#rx);
  }

  /** Sends a refused document again, as it is now locally; it leaves the list unless refused again. */
  retryRejected(documentId: string): Promise<RetryOutcome> {
    return this.#actions.retry(documentId);
  }

  /** Gives up a refused write: the local document goes back to the server's state (or away). */
  discardRejected(documentId: string): Promise<void> {
    return this.#actions.discard(documentId);
  }

  /** Stops for good (the stored checkpoints stay for the next open). */
  async close(): Promise<void> {
    this.#held = true;
    this.#ahead = null;
    this.#opts.feed.stop();
    await this.#rx.cancel();
    this.#sleeper.wake();
    for (const sub of this.#subs) sub.unsubscribe();
    this.#status.dispose();
  }

  // Pipelined: once a full page arrives, the next one is requested before RxDB writes this one, so
  // the server's work and the wire overlap with the local write. RxDB asks for pages in checkpoint
  // order and the prefetch is only used for the checkpoint it was made for; a failed or unused one is
  // dropped and that page is requested again (with the usual failure handling), so nothing is lost.
  async #pull(checkpoint: unknown, batchSize: number): Promise<{ documents: WithDeleted<any>[]; checkpoint: unknown }> {
    const ahead = this.#ahead;
    this.#ahead = null;
    if (ahead && !this.#held && ahead.batchSize === batchSize && ahead.checkpoint === checkpointKey(checkpoint)) {
      const page = await ahead.page;
      if (page && !this.#held && !answersFromBefore(checkpoint, page)) {
        this.#status.succeeded('pull');
        return this.#accept(page, batchSize);
      }
    }
    const discard = { documents: [], checkpoint };
    return this.#attempt('pull', discard, async () => {
      const page = await this.#fetchPage(checkpoint, batchSize);
      const verdict = await this.#knownOrReset(checkpoint, page);
      if (verdict === null) return discard;
      // After a reset RxDB pulls from the start: what it meets now equals the local documents.
      return this.#accept(verdict === 'known' ? page : await this.#fetchPage(null, batchSize), batchSize);
    });
  }

  // Reads the answer to a pull from `checkpoint`: 'known', or the server went back in time and the
  // client reset has run ('reset': pull from the start now). Null when held or stopped before it ended.
  async #knownOrReset(checkpoint: unknown, page: PullBulk): Promise<'known' | 'reset' | null> {
    const restored = answersFromBefore(checkpoint, page);
    if (restored && !this.#reset.doneFor(checkpoint) && !(await this.#reset.run(checkpoint as Position))) return null;
    this.#serverKnowsCheckpoint = true;
    return restored ? 'reset' : 'known';
  }

  async #fetchPage(checkpoint: unknown, batchSize: number): Promise<PullBulk> {
    const { pull } = this.#opts.operations;
    const response = await this.#opts.transport.request(pull.query, pull.variables(checkpoint, batchSize));
    if (response.documentErrors.length > 0) throw protocolError('pull response with document errors');
    const bulk = checkedBulk(response.data ? pull.data(response.data) : undefined, 'pull response');
    return { documents: await this.#toLocal(bulk.documents), checkpoint: bulk.checkpoint };
  }

  // The server's nulls are absent fields locally; old-version documents are migrated (see schemaVersionOf).
  async #toLocal(documents: readonly ServerDocument[]): Promise<ServerDocument[]> {
    const local = documents.map(withoutNulls);
    const versionOf = this.#opts.schemaVersionOf;
    return versionOf ? migrateServerDocuments(this.#opts.collection, local, versionOf) : local;
  }

  // A stream event that cannot be migrated is pulled instead, where failures are retried and reported.
  async #streamItem(event: RemoteEvent): Promise<RxReplicationPullStreamItem<any, unknown>> {
    if (event === 'RESYNC') {
      // A reconnect (or, without a stream, a poll): the server may have been restored from a backup
      // meanwhile, until a pull says otherwise.
      this.#serverKnowsCheckpoint = false;
      return event;
    }
    try {
      return { documents: (await this.#toLocal(event.documents)) as WithDeleted<any>[], checkpoint: event.checkpoint };
    } catch {
      return 'RESYNC';
    }
  }

  #accept(bulk: PullBulk, batchSize: number): { documents: WithDeleted<any>[]; checkpoint: unknown } {
    const full = bulk.documents.length >= batchSize;
    if (full && !this.#held) {
      const key = checkpointKey(bulk.checkpoint);
      this.#ahead = { checkpoint: key, batchSize, page: this.#fetchPage(bulk.checkpoint, batchSize).catch(() => null) };
    }
    const documents = bulk.documents as WithDeleted<any>[];
    this.#status.pulledInitially(documents.length);
    if (!full) this.#status.initialSyncDone();
    return { documents, checkpoint: bulk.checkpoint };
  }

  // Resolves once every row landed or was set aside: rows set aside leave the outbox too.
  async #push(rows: PushRow[]): Promise<WithDeleted<any>[]> {
    const conflicts = await this.#batches.push(await this.#actions.corrected(rows));
    this.#pending.pushSucceeded(rows.length);
    return conflicts;
  }

  async #pushPart(rows: PushRow[]): Promise<WithDeleted<any>[]> {
    const { push } = this.#opts.operations;
    const response = await this.#opts.transport.request(push.query, push.variables(rows));
    const conflicts = response.data ? push.data(response.data) : undefined;
    if (!Array.isArray(conflicts)) throw protocolError('push response without a conflicts array');
    this.#actions.landed(rows);
    if (response.documentErrors.length > 0) await this.#setAside(this.#actions.refusedIn(rows, response.documentErrors));
    return (await this.#toLocal(conflicts)) as WithDeleted<any>[];
  }

  // The retry loop RxDB would otherwise run every retryTime: classify, report, back off, stay quiet while held.
  async #attempt<T, D>(direction: 'pull', discard: D, send: () => Promise<T>): Promise<T | D> {
    for (let failures = 0; ;) {
      if (!(await this.#sendable())) return discard;
      try {
        const result = await send();
        this.#status.succeeded(direction);
        return result;
      } catch (error) {
        const failure = failureOf(error);
        this.#report(failure, direction);
        await this.#sleeper.sleep(retryDelay(failures++, failure, this.#opts.retry));
      }
    }
  }

  // Waits while held: any answer now would be taken as the server's. False once cancelled (RxDB then writes nothing).
  async #sendable(): Promise<boolean> {
    while (this.#held) {
      if (this.#rx.isStopped()) return false;
      await this.#sleeper.sleep(HOLD_CHECK_MS);
    }
    return true;
  }

  // RxDB's pushes also wait until the server answered a pull from the client's checkpoint (asked here
  // when nothing else did): pushed to a server restored from a backup, an unsynced write would conflict
  // with the older state it holds, and the server's would win. The client reset goes first.
  async #pushable(): Promise<boolean> {
    while (!this.#serverKnowsCheckpoint) {
      if (!(await this.#sendable())) return false;
      // Held back like a failing push (the server may be unreachable): writes are counted as they come.
      this.#pending.pushFailed();
      this.#confirming ??= this.#confirmCheckpoint().finally(() => (this.#confirming = null));
      await this.#confirming;
    }
    return this.#sendable();
  }

  async #confirmCheckpoint(): Promise<void> {
    const state = this.#rx.internalReplicationState;
    const checkpoint = state ? await storedCheckpoint(state, 'down') : undefined;
    if (checkpoint === undefined || checkpoint === null) {
      this.#serverKnowsCheckpoint = true;
      return;
    }
    const page = await this.#attempt('pull', null, () => this.#fetchPage(checkpoint, 1));
    // The stored checkpoint is one the server lost: RxDB pulls again, and starts over.
    if (page && (await this.#knownOrReset(checkpoint, page)) === 'reset') this.#rx.reSync();
  }

  #report(failure: ClassifiedFailure, direction: SyncDirection): void {
    // After a failed request the server may come back restored from a backup: pushes wait for a pull.
    if (failure.kind !== 'rejected') this.#serverKnowsCheckpoint = false;
    this.#status.failed(failure, direction);
    this.#logger.debug('sync request failed', { collection: this.#opts.collection.name, direction, kind: failure.kind, code: failure.code });
    this.#opts.onFailure?.(failure, direction);
  }

  // Set-aside rows are not conflicts: RxDB counts them as pushed, and they wait in the list for the app.
  async #setAside(entries: readonly SetAsideRow[]): Promise<void> {
    // Closed meanwhile: RxDB writes nothing now, so the rows stay in the outbox for the next open.
    if (entries.length === 0 || this.#rx.isStopped()) return;
    const documentIds = await this.#actions.setAside(entries);
    const codes = [...new Set(entries.map((entry) => entry.code))];
    this.#logger.warn('refused documents set aside', { collection: this.#opts.collection.name, documentIds, codes });
    this.#report({ kind: 'rejected', code: 'REQUEST_REJECTED', message: `${documentIds.length} document(s) refused and set aside (${codes.join(', ')})` }, 'push');
  }
}

interface PrefetchedPage {
  checkpoint: string;
  batchSize: number;
  /** Null when the request failed: the page is then requested again. */
  page: Promise<PullBulk | null>;
}

const checkpointKey = (checkpoint: unknown): string => JSON.stringify(checkpoint ?? null);

