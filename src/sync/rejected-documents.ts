import type { Observable } from 'rxjs';
import { map } from 'rxjs';
import type { RxCollection, RxJsonSchema } from 'rxdb';
import type { PushRow, ServerDocument } from './graphql-operations.ts';

/**
 * The internal collection that keeps refused documents across restarts (a reserved name).
 *
 * @example
 * ```ts
 * db.collections[REJECTED_COLLECTION]; // the RxCollection behind sync.rejected$
 * ```
 */
export const REJECTED_COLLECTION = 'sync_rejected';

/**
 * A local write that could not be pushed: the server refused it (`FORBIDDEN`, validation…), the
 * server kept failing every push that carried it (found by splitting its batch), or it is too
 * large for one request. It is set aside so the rest of the outbox keeps flowing, and stays here
 * (and on the device) until the app retries or discards it.
 *
 * @example
 * ```ts
 * sync.rejected$.subscribe((list) => list.forEach((r) => console.warn(r.documentId, r.code, r.reason)));
 * ```
 */
export interface RejectedDocument {
  collection: string;
  documentId: string;
  /**
   * `extensions.code` of the server's error, e.g. `FORBIDDEN` or `BAD_USER_INPUT`; `HTTP_<status>`
   * when the server gave none; `tooLarge` for a document over the request size limit.
   */
  code: string;
  /** The server's message, or what the client measured (`document is 1.3 MiB; …`). */
  reason: string;
  /** Local epoch ms. */
  rejectedAt: number;
  /** The refused state, as it was sent. */
  document: ServerDocument;
  /** The server state the client last knew, if the server had the document. */
  assumedMasterState?: ServerDocument;
}

/**
 * The RxDB schema of {@link REJECTED_COLLECTION}.
 *
 * @example
 * ```ts
 * await db.addCollections({ [REJECTED_COLLECTION]: { schema: rejectedDocumentSchema } });
 * ```
 */
export const rejectedDocumentSchema: RxJsonSchema<any> = {
  title: 'session-sync rejected documents',
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 1024 },
    // Not `collection`/`document`: those names are taken by RxDocument's own getters.
    collectionName: { type: 'string', maxLength: 256 },
    documentId: { type: 'string' },
    code: { type: 'string' },
    reason: { type: 'string' },
    rejectedAt: { type: 'number', minimum: 0, maximum: 1e15, multipleOf: 1 },
    sentState: { type: 'object' },
    assumedMasterState: { type: 'object' },
  },
  required: ['key', 'collectionName', 'documentId', 'code', 'reason', 'rejectedAt', 'sentState'],
  indexes: ['collectionName'],
};

/**
 * The persisted list of refused documents of one collection.
 *
 * @example
 * ```ts
 * const rejected = new RejectedDocuments(db.collections.sync_rejected, 'todo');
 * await rejected.add([{ documentId: 't1', code: 'FORBIDDEN', reason: 'not yours', row }], Date.now());
 * ```
 */
export class RejectedDocuments {
  readonly #store: RxCollection;
  readonly #collection: string;

  constructor(store: RxCollection, collection: string) {
    this.#store = store;
    this.#collection = collection;
  }

  /** Every refused document of this collection, re-emitted on each change. */
  get list$(): Observable<RejectedDocument[]> {
    return this.#store.find({ selector: { collectionName: this.#collection } }).$.pipe(
      map((docs) => docs.map((doc) => toRejected(doc.toJSON() as StoredRejection))),
    );
  }

  async list(): Promise<RejectedDocument[]> {
    const docs = await this.#store.find({ selector: { collectionName: this.#collection } }).exec();
    return docs.map((doc) => toRejected(doc.toJSON() as StoredRejection));
  }

  async get(documentId: string): Promise<RejectedDocument | null> {
    const doc = await this.#store.findOne(this.#key(documentId)).exec();
    return doc ? toRejected(doc.toJSON() as StoredRejection) : null;
  }

  async add(entries: readonly { documentId: string; code: string; reason: string; row: PushRow }[], now: number): Promise<void> {
    if (entries.length === 0) return;
    await this.#store.bulkUpsert(
      entries.map((entry) => {
        const stored: StoredRejection = {
          key: this.#key(entry.documentId),
          collectionName: this.#collection,
          documentId: entry.documentId,
          code: entry.code,
          reason: entry.reason,
          rejectedAt: now,
          sentState: entry.row.newDocumentState,
        };
        if (entry.row.assumedMasterState) stored.assumedMasterState = entry.row.assumedMasterState;
        return stored;
      }),
    );
  }

  async remove(documentId: string): Promise<void> {
    const doc = await this.#store.findOne(this.#key(documentId)).exec();
    await doc?.remove();
  }

  #key(documentId: string): string {
    return `${this.#collection}|${documentId}`;
  }
}

interface StoredRejection {
  key: string;
  collectionName: string;
  documentId: string;
  code: string;
  reason: string;
  rejectedAt: number;
  sentState: ServerDocument;
  assumedMasterState?: ServerDocument;
}

function toRejected(stored: StoredRejection): RejectedDocument {
  const out: RejectedDocument = {
    collection: stored.collectionName,
    documentId: stored.documentId,
    code: stored.code,
    reason: stored.reason,
    rejectedAt: stored.rejectedAt,
    document: stored.sentState,
  };
  if (stored.assumedMasterState) out.assumedMasterState = stored.assumedMasterState;
  return out;
}
