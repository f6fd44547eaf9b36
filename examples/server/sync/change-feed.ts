import type { Db } from '../db/db.ts';
import type { ServerLogger } from '../server-logger.ts';
import { CHANGES_CHANNEL, type ChangeNotice, type Checkpoint, type DocumentStore, type SyncDocument } from './document-store.ts';

/** What a stream subscriber receives for each committed batch. */
export interface PullBulk { documents: SyncDocument[]; checkpoint: Checkpoint | null }

type Deliver = (bulk: PullBulk) => void;

const keyOf = (owner: string, collection: string): string => `${owner}\u0000${collection}`;

/**
 * Fans committed batches out to this process's stream subscribers. Batches arrive by LISTEN/NOTIFY, so
 * writes made by any server process on the same database reach every subscriber, in commit order.
 *
 * @example
 * const feed = await ChangeFeed.start(db, store, logger);
 * const stop = feed.subscribe(userId, 'todo', (bulk) => send(bulk));
 */
export class ChangeFeed {
  #subscribers = new Map<string, Set<Deliver>>();
  #queues = new Map<string, Promise<void>>();
  #store: DocumentStore;
  #logger: ServerLogger;
  #unlisten: () => Promise<void> = async () => {};

  private constructor(store: DocumentStore, logger: ServerLogger) {
    this.#store = store;
    this.#logger = logger;
  }

  static async start(db: Db, store: DocumentStore, logger: ServerLogger): Promise<ChangeFeed> {
    const feed = new ChangeFeed(store, logger);
    feed.#unlisten = await db.listen(CHANGES_CHANNEL, (payload) => feed.#onNotice(payload));
    return feed;
  }

  /** Calls `deliver` for every batch the owner commits to the collection; returns the unsubscribe function. */
  subscribe(owner: string, collection: string, deliver: Deliver): () => void {
    const key = keyOf(owner, collection);
    let set = this.#subscribers.get(key);
    if (!set) this.#subscribers.set(key, (set = new Set()));
    set.add(deliver);
    return () => {
      set.delete(deliver);
      if (set.size === 0 && this.#subscribers.get(key) === set) this.#subscribers.delete(key);
    };
  }

  async stop(): Promise<void> {
    await this.#unlisten();
    await Promise.all(this.#queues.values());
  }

  #onNotice(payload: string): void {
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(payload) as ChangeNotice;
    } catch {
      return this.#logger.warn('ignored a malformed change notice');
    }
    const key = keyOf(notice.owner, notice.collection);
    if (!this.#subscribers.has(key)) return;
    // One chain per key keeps deliveries in commit order even though reads run concurrently.
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#deliver(key, notice)).catch((error: unknown) => {
      this.#logger.error('stream delivery failed', { collection: notice.collection, error: String(error) });
    });
    this.#queues.set(key, next);
    void next.then(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
  }

  async #deliver(key: string, notice: ChangeNotice): Promise<void> {
    const documents = await this.#store.readBatch(notice);
    const last = documents.at(-1);
    if (!last) return; // every document of the batch has been overwritten since; a later notice carries them
    const bulk: PullBulk = { documents, checkpoint: { id: last.id, updatedAt: last.updatedAt } };
    for (const deliver of this.#subscribers.get(key) ?? []) deliver(bulk);
  }
}
