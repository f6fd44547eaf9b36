import { Subject, filter, throttleTime } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { RxCollection } from 'rxdb';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import type { Logger } from '../platform/logger.ts';
import { countPendingWrites } from './pending-writes.ts';
import type { SyncStatusTracker } from './sync-status.ts';

// Recounts while a push keeps failing: at most this often, however fast the app writes.
const WRITES_WHILE_FAILING_COUNT_MS = 1_000;
// The bulkWrite context of documents RxDB's downstream writes (replication-protocol/index.ts).
const PULLED_WRITES = 'replication-downstream-';

/**
 * Options of {@link PendingWritesCounter}.
 */
export interface PendingWritesCounterOptions {
  collection: RxCollection;
  /** A started replication of `collection` (its meta instance knows what is pending). */
  replication: RxReplicationState<any, unknown>;
  /** Receives each count (`pendingWrites`) and tells the count shown now. */
  status: SyncStatusTracker;
  /** Whether the replication is held: writes are then counted at once. */
  held(): boolean;
  logger: Logger;
}

/**
 * Keeps a collection's `pendingWrites` count current without scanning the outbox per change:
 * decides *when* to recount (after local writes, on request, when a cycle goes idle), at most
 * every 200 ms, and writes the result into the status.
 *
 * @example
 * ```ts
 * const counter = new PendingWritesCounter({ collection, replication, status, held: () => held, logger });
 * const subscription = counter.start(); // after replication.start()
 * counter.request();                    // e.g. on pause: count what waits
 * subscription.unsubscribe();
 * ```
 */
export class PendingWritesCounter {
  readonly #opts: PendingWritesCounterOptions;
  readonly #requests = new Subject<void>();
  readonly #writesWhileFailing = new Subject<void>();
  #dirty = true;
  #pushFailing = false;
  // One recount at a time: a request during a count runs one more after it, never a second in parallel.
  #counting: Promise<void> | null = null;
  #again = false;

  constructor(opts: PendingWritesCounterOptions) {
    this.#opts = opts;
  }

  /** Starts listening; requests made before are dropped. Unsubscribe the result to stop. */
  start(): Subscription {
    const { collection, replication, status } = this.#opts;
    const subscription = this.#requests.pipe(throttleTime(200, undefined, { leading: true, trailing: true }))
      .subscribe(() => void this.recount());
    subscription.add(
      // Counting scans the outbox: only after local writes (pulled documents never add to it),
      // at once while held, else when a cycle goes idle: never per change while a backlog drains.
      // A push that keeps failing never goes idle: its writes are counted at most once a second.
      collection.eventBulks$.pipe(filter((bulk) => !bulk.context.startsWith(PULLED_WRITES))).subscribe(() => {
        this.#dirty = true;
        if (this.#opts.held()) this.#requests.next();
        else if (this.#pushFailing) this.#writesWhileFailing.next();
      }),
    );
    subscription.add(
      this.#writesWhileFailing.pipe(throttleTime(WRITES_WHILE_FAILING_COUNT_MS, undefined, { leading: true, trailing: true }))
        .subscribe(() => this.#requests.next()),
    );
    subscription.add(
      replication.active$.pipe(filter((active) => !active && (this.#dirty || status.current.pendingWrites > 0)))
        .subscribe(() => this.#requests.next()),
    );
    return subscription;
  }

  /** Count soon (throttled). */
  request(): void {
    this.#requests.next();
  }

  /** A push of `rows` documents was answered: they leave the shown count at once; a recount follows when idle. */
  pushSucceeded(rows: number): void {
    this.#pushFailing = false;
    const { status } = this.#opts;
    status.counts({ pendingWrites: Math.max(0, status.current.pendingWrites - rows) });
  }

  /**
   * Makes the shown count exact: recounts unless it already is (0 shown and no local write since the
   * last count; pulled documents never add to the outbox, so an initial sync costs no scan).
   */
  settle(): Promise<void> {
    const { status } = this.#opts;
    return this.#dirty || this.#counting || status.current.pendingWrites > 0 ? this.recount() : Promise.resolve();
  }

  /** Counts now (after a count in flight) and shows the result; resolves once shown. */
  recount(): Promise<void> {
    if (this.#counting) {
      this.#again = true;
      return this.#counting;
    }
    this.#counting = (async () => {
      try {
        do {
          this.#again = false;
          await this.#count();
        } while (this.#again);
      } finally {
        this.#counting = null;
      }
    })();
    return this.#counting;
  }

  /** A push failed: it never goes idle while failing, so writes are counted as they come. */
  pushFailed(): void {
    this.#pushFailing = true;
    // The writes this push carries were made before it failed: count them now.
    if (this.#dirty) this.#requests.next();
  }

  async #count(): Promise<void> {
    const { replication, status, logger } = this.#opts;
    try {
      this.#dirty = false;
      // Not CollectionReplication.pendingWrites(): this runs from inside its open(), which must not be re-entered.
      const { count } = await countPendingWrites(replication);
      status.counts({ pendingWrites: count });
    } catch (error) {
      // A count racing close() is harmless; anything else is worth a line.
      if (!replication.isStopped()) logger.warn('counting pending writes failed', { error: String(error) });
    }
  }
}
