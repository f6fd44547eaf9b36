import type { ServerClock } from '../clock.ts';
import type { Db, Queryable } from '../db/db.ts';
import type { CollectionsConfig } from './collections.ts';

/** A document as the wire carries it: its fields plus `id`, `updatedAt` and `deleted`. */
export type SyncDocument = Record<string, unknown> & { id: string; updatedAt: number; deleted: boolean };

/** A document as a client sends it; `updatedAt` is ignored (the server assigns it). */
export type DocumentInput = Record<string, unknown> & { id: string; deleted: boolean; updatedAt?: number | null };

export interface PushRow {
  assumedMasterState?: DocumentInput | null;
  newDocumentState: DocumentInput;
}

export interface Checkpoint { id: string; updatedAt: number }

/** One document of a push that was refused; the other rows were still applied. */
export interface RefusedRow { documentId: string; code: 'FORBIDDEN' | 'BAD_USER_INPUT'; message: string }

export interface PushOutcome { conflicts: SyncDocument[]; refused: RefusedRow[]; written: number }

/** The NOTIFY channel that announces committed batches to every server process. */
export const CHANGES_CHANNEL = 'session_sync_changes';

/** What a NOTIFY says: owner, collection and the batch's updatedAt (documents are read back). */
export interface ChangeNotice { owner: string; collection: string; updatedAt: number }

const MAX_ID_LENGTH = 512;

interface Row { id: string; owner: string; data: Record<string, unknown>; updated_at: number; deleted: boolean }

/**
 * Per-user documents with server-assigned, monotonic `updatedAt`, compare-and-swap pushes (on content) and keyset pulls.
 *
 * @example
 * const store = new DocumentStore(db, clock, DEFAULT_COLLECTIONS);
 * await store.push(userId, 'todo', [{ newDocumentState: { id: 'a', title: 'x', done: false, deleted: false } }]);
 * const page = await store.pull(userId, 'todo', null, 100);
 */
export class DocumentStore {
  #db: Db;
  #clock: ServerClock;
  /** Field names per collection, computed once: documents are mapped thousands at a time. */
  #fields: Map<string, string[]>;

  constructor(db: Db, clock: ServerClock, collections: CollectionsConfig) {
    this.#db = db;
    this.#clock = clock;
    this.#fields = new Map(Object.entries(collections).map(([name, config]) => [name, Object.keys(config.fields)]));
  }

  /** Documents strictly after `checkpoint` in (updatedAt, id) order; the checkpoint is the last one returned. */
  async pull(owner: string, collection: string, checkpoint: Checkpoint | null, limit: number): Promise<{ documents: SyncDocument[]; checkpoint: Checkpoint | null }> {
    const rows = await this.#db.query<Row>(
      `select id, data, updated_at, deleted from documents
       where owner = $1 and collection = $2 and (updated_at, id) > ($3, $4)
       order by updated_at, id limit $5`,
      [owner, collection, checkpoint?.updatedAt ?? -1, checkpoint?.id ?? '', limit]);
    const documents = rows.map((row) => this.#toDocument(collection, row));
    const last = documents.at(-1);
    return { documents, checkpoint: last ? { id: last.id, updatedAt: last.updatedAt } : checkpoint };
  }

  /** Every document of the owner in the collection, deleted ones included, in pull order. */
  async read(owner: string, collection: string): Promise<SyncDocument[]> {
    return (await this.pull(owner, collection, null, 2 ** 31 - 1)).documents;
  }

  /** The documents a committed batch wrote, still at that version, for the live stream. */
  async readBatch(notice: ChangeNotice): Promise<SyncDocument[]> {
    const rows = await this.#db.query<Row>(
      `select id, data, updated_at, deleted from documents
       where owner = $1 and collection = $2 and updated_at = $3 order by id`,
      [notice.owner, notice.collection, notice.updatedAt]);
    return rows.map((row) => this.#toDocument(notice.collection, row));
  }

  /**
   * Applies a push batch in one transaction. Rows serialise per (owner, collection) on an advisory
   * lock, so commit order equals updatedAt order and a reader can never skip a late commit.
   */
  async push(owner: string, collection: string, rows: readonly PushRow[]): Promise<PushOutcome> {
    return this.#db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1), hashtext($2))', [owner, collection]);
      const [latest] = await tx.query<{ last: number | null }>(
        'select max(updated_at) as last from documents where owner = $1 and collection = $2', [owner, collection]);
      const updatedAt = Math.max(this.#clock.now(), (latest?.last ?? 0) + 1);
      const ids = rows.map((row) => row.newDocumentState.id);
      const existing = await tx.query<Row>(
        // Locking in id order keeps two overlapping batches from deadlocking.
        'select id, owner, data, updated_at, deleted from documents where collection = $1 and id = any($2::text[]) order by id for update',
        [collection, ids]);
      const masters = new Map(existing.map((row) => [row.id, row]));
      const outcome: PushOutcome = { conflicts: [], refused: [], written: 0 };
      const writes = new Map<string, Row>();
      for (const row of rows) {
        const doc = row.newDocumentState;
        const invalid = this.#invalid(row);
        if (invalid) {
          outcome.refused.push({ documentId: doc.id, code: 'BAD_USER_INPUT', message: invalid });
          continue;
        }
        const master = masters.get(doc.id);
        if (master && master.owner !== owner) {
          outcome.refused.push({ documentId: doc.id, code: 'FORBIDDEN', message: `document "${doc.id}" belongs to another user` });
          continue;
        }
        const next: Row = { id: doc.id, owner, data: this.#dataOf(collection, doc), updated_at: updatedAt, deleted: doc.deleted };
        // A repeated push of what is already stored was applied before (its response was lost): no conflict, no new version.
        if (master && this.#sameContent(collection, master, next)) continue;
        // As RxDB's reference master-write: a conflict is a content difference, not an updatedAt one. The
        // server assigns updatedAt, so an edit pushed before the echo of the previous one carries the
        // device's own (older) updatedAt in assumedMasterState and is still no conflict.
        if (master && !this.#assumedIsMaster(collection, row.assumedMasterState, master)) {
          outcome.conflicts.push(this.#toDocument(collection, master));
          continue;
        }
        masters.set(doc.id, next);
        writes.set(doc.id, next);
      }
      if (writes.size > 0) await this.#write(tx, owner, collection, updatedAt, [...writes.values()], outcome);
      return outcome;
    });
  }

  async #write(tx: Queryable, owner: string, collection: string, updatedAt: number, writes: Row[], outcome: PushOutcome): Promise<void> {
    const payload = writes.map((w) => ({ id: w.id, data: w.data, deleted: w.deleted }));
    // The owner guard covers a concurrent first insert of the same id by another user. Inserting in id
    // order, as the rows were locked, keeps two users' overlapping first inserts from deadlocking.
    const written = await tx.query<{ id: string }>(
      `insert into documents (collection, id, owner, data, updated_at, deleted)
       select $1, r.id, $2, r.data, $3, r.deleted
       from jsonb_to_recordset($4::jsonb) as r(id text, data jsonb, deleted boolean)
       order by r.id
       on conflict (collection, id) do update
         set data = excluded.data, updated_at = excluded.updated_at, deleted = excluded.deleted
         where documents.owner = excluded.owner
       returning id`,
      [collection, owner, updatedAt, JSON.stringify(payload)]);
    const done = new Set(written.map((row) => row.id));
    for (const w of writes) {
      if (!done.has(w.id)) outcome.refused.push({ documentId: w.id, code: 'FORBIDDEN', message: `document "${w.id}" belongs to another user` });
    }
    outcome.written = done.size;
    if (done.size === 0) return;
    const notice: ChangeNotice = { owner, collection, updatedAt };
    // NOTIFY inside the transaction is delivered on commit, to every process listening.
    await tx.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(notice)]);
  }

  #invalid(row: PushRow): string | null {
    const { id } = row.newDocumentState;
    if (id.length === 0 || id.length > MAX_ID_LENGTH) return `document id must be 1 to ${MAX_ID_LENGTH} characters`;
    const assumed = row.assumedMasterState;
    if (assumed && assumed.id !== id) return `assumedMasterState.id "${assumed.id}" differs from newDocumentState.id "${id}"`;
    return null;
  }

  #dataOf(collection: string, doc: DocumentInput): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    for (const field of this.#fields.get(collection) ?? []) data[field] = doc[field] ?? null;
    return data;
  }

  #assumedIsMaster(collection: string, assumed: DocumentInput | null | undefined, master: Row): boolean {
    if (!assumed) return false;
    return this.#sameContent(collection, master, { ...master, data: this.#dataOf(collection, assumed), deleted: assumed.deleted });
  }

  #sameContent(collection: string, a: Row, b: Row): boolean {
    const fields = this.#fields.get(collection) ?? [];
    return a.deleted === b.deleted && fields.every((f) => JSON.stringify(a.data[f] ?? null) === JSON.stringify(b.data[f] ?? null));
  }

  #toDocument(collection: string, row: Row): SyncDocument {
    const doc: SyncDocument = { id: row.id, updatedAt: row.updated_at, deleted: row.deleted };
    for (const field of this.#fields.get(collection) ?? []) doc[field] = row.data[field] ?? null;
    return doc;
  }
}

