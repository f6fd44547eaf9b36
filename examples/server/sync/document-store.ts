import type { ServerClock } from '../clock.ts';
import { dataExceptionMessage } from '../db/data-exception.ts';
import type { Db, Queryable } from '../db/db.ts';
import { isOptional } from './collections.ts';
import type { CollectionsConfig } from './collections.ts';
import { fieldProblem, idProblem } from './document-content.ts';

/** A document as the wire carries it: its fields plus `id`, `updatedAt` and `deleted`. */
export type SyncDocument = Record<string, unknown> & { id: string; updatedAt: number; deleted: boolean };

/** A document as a client sends it; `updatedAt` is ignored (the server assigns it). */
export type DocumentInput = Record<string, unknown> & { id: string; deleted: boolean; updatedAt?: number | null };

export interface PushRow {
  assumedMasterState?: DocumentInput | null;
  newDocumentState: DocumentInput;
}

export interface Checkpoint { id: string; updatedAt: number }

/**
 * One document of a push that was refused; the other rows were still applied. `documentId` is the id
 * exactly as sent, even one that cannot be stored: JSON escapes a NUL or a lone surrogate (`\u0000`,
 * `\ud83d`), so the client gets back the very string it sent and matches the refusal by it.
 */
export interface RefusedRow { documentId: string; code: 'BAD_USER_INPUT'; message: string }

export interface PushOutcome { conflicts: SyncDocument[]; refused: RefusedRow[]; written: number }

/** The NOTIFY channel that announces committed batches to every server process. */
export const CHANGES_CHANNEL = 'session_sync_changes';

/** What a NOTIFY says: owner, collection and the batch's updatedAt (documents are read back). */
export interface ChangeNotice { owner: string; collection: string; updatedAt: number }

interface Row { id: string; data: Record<string, unknown>; updated_at: number; deleted: boolean }

/** What one push row does against the stored document: nothing (already applied), a conflict, or a write. */
type Step = { write?: Row; conflict?: SyncDocument };

const SELECT_COLUMNS = 'select id, data, updated_at, deleted from documents';

/**
 * Per-user documents (each user has their own ids) with server-assigned, monotonic `updatedAt`,
 * compare-and-swap pushes (on content) and keyset pulls.
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
  /** The optional fields per collection: a push that leaves one out keeps its stored value. */
  #optional: Map<string, Set<string>>;

  constructor(db: Db, clock: ServerClock, collections: CollectionsConfig) {
    this.#db = db;
    this.#clock = clock;
    this.#fields = new Map(Object.entries(collections).map(([name, config]) => [name, Object.keys(config.fields)]));
    this.#optional = new Map(Object.entries(collections).map(([name, config]) =>
      [name, new Set(Object.entries(config.fields).filter(([, type]) => isOptional(type)).map(([field]) => field))]));
  }

  /**
   * Documents strictly after `checkpoint` in (updatedAt, id) order; the checkpoint is the last one
   * returned. A checkpoint this server does not know is answered from a position before it: the
   * first page from the start when its first document comes before the checkpoint, else an empty page
   * with the start checkpoint `{ id: '', updatedAt: 0 }`.
   */
  async pull(owner: string, collection: string, checkpoint: Checkpoint | null, limit: number): Promise<{ documents: SyncDocument[]; checkpoint: Checkpoint | null }> {
    // A server restored from a backup older than the client's checkpoint must say so, or the client
    // never re-pushes what the restore lost: an answer before its checkpoint makes it start over.
    if (checkpoint && !isStart(checkpoint) && !(await this.#knows(owner, collection, checkpoint))) {
      const rows = await this.#db.query<Row & { before_checkpoint: boolean }>(
        // Compared in SQL: ids sort by the column's byte-order collation, not by JavaScript's UTF-16 order.
        `select id, data, updated_at, deleted, (updated_at, id) < ($3, $4) as before_checkpoint from documents
         where owner = $1 and collection = $2 order by updated_at, id limit $5`,
        [owner, collection, checkpoint.updatedAt, checkpoint.id, limit]);
      if (!rows[0]?.before_checkpoint) return { documents: [], checkpoint: { ...START_CHECKPOINT } };
      return this.#page(collection, rows);
    }
    const rows = await this.#db.query<Row>(
      `${SELECT_COLUMNS}
       where owner = $1 and collection = $2 and (updated_at, id) > ($3, $4)
       order by updated_at, id limit $5`,
      [owner, collection, checkpoint?.updatedAt ?? -1, checkpoint?.id ?? '', limit]);
    return rows.length > 0 ? this.#page(collection, rows) : { documents: [], checkpoint };
  }

  /**
   * Whether `checkpoint` is one this server could have issued: its document is stored with an updatedAt
   * at or after the checkpoint's. Documents are never hard-deleted and updatedAt only grows, so a
   * checkpoint once known stays known. One primary-key lookup: the healthy pull's only extra cost.
   */
  async #knows(owner: string, collection: string, checkpoint: Checkpoint): Promise<boolean> {
    const rows = await this.#db.query<{ known: boolean }>(
      'select updated_at >= $4 as known from documents where owner = $1 and collection = $2 and id = $3',
      [owner, collection, checkpoint.id, checkpoint.updatedAt]);
    return rows[0]?.known === true;
  }

  #page(collection: string, rows: readonly Row[]): { documents: SyncDocument[]; checkpoint: Checkpoint } {
    const documents = rows.map((row) => this.#toDocument(collection, row));
    const last = documents.at(-1)!;
    return { documents, checkpoint: { id: last.id, updatedAt: last.updatedAt } };
  }

  /** Every document of the owner in the collection, deleted ones included, in pull order. */
  async read(owner: string, collection: string): Promise<SyncDocument[]> {
    return (await this.pull(owner, collection, null, 2 ** 31 - 1)).documents;
  }

  /** The documents a committed batch wrote, still at that version, for the live stream. */
  async readBatch(notice: ChangeNotice): Promise<SyncDocument[]> {
    const rows = await this.#db.query<Row>(
      `${SELECT_COLUMNS}
       where owner = $1 and collection = $2 and updated_at = $3 order by id`,
      [notice.owner, notice.collection, notice.updatedAt]);
    return rows.map((row) => this.#toDocument(notice.collection, row));
  }

  /**
   * Applies a push batch in one transaction. Rows serialise per (owner, collection) on an advisory
   * lock, so commit order equals updatedAt order and a reader can never skip a late commit. Content
   * the database cannot store is refused per document before anything is written; should the database
   * still refuse a value, the batch is applied again one document at a time, so only the documents it
   * refuses are left out and the batch never fails as a whole for one document's content.
   */
  async push(owner: string, collection: string, rows: readonly PushRow[]): Promise<PushOutcome> {
    const refused: RefusedRow[] = [];
    const storable: PushRow[] = [];
    for (const row of rows) {
      const problem = this.#problem(collection, row);
      if (problem) refused.push({ documentId: row.newDocumentState.id, code: 'BAD_USER_INPUT', message: problem });
      else storable.push(row);
    }
    if (storable.length === 0) return { conflicts: [], refused, written: 0 };
    let applied: PushOutcome;
    try {
      applied = await this.#db.transaction((tx) => this.#applyBatch(tx, owner, collection, storable));
    } catch (error) {
      if (dataExceptionMessage(error) === null) throw error;
      applied = await this.#db.transaction((tx) => this.#applyOneByOne(tx, owner, collection, storable));
    }
    return { ...applied, refused: [...refused, ...applied.refused] };
  }

  async #applyBatch(tx: Queryable, owner: string, collection: string, rows: readonly PushRow[]): Promise<PushOutcome> {
    const updatedAt = await this.#lockAndVersion(tx, owner, collection);
    const existing = await tx.query<Row>(
      // Locking in id order keeps two overlapping batches from deadlocking.
      `${SELECT_COLUMNS} where owner = $1 and collection = $2 and id = any($3::text[]) order by id for update`,
      [owner, collection, rows.map((row) => row.newDocumentState.id)]);
    const masters = new Map(existing.map((row) => [row.id, row]));
    const outcome: PushOutcome = { conflicts: [], refused: [], written: 0 };
    const writes = new Map<string, Row>();
    for (const row of rows) {
      const { id } = row.newDocumentState;
      const step = this.#step(collection, updatedAt, row, masters.get(id));
      if (step.conflict) outcome.conflicts.push(step.conflict);
      if (step.write) {
        masters.set(id, step.write);
        writes.set(id, step.write);
      }
    }
    await this.#upsert(tx, owner, collection, updatedAt, [...writes.values()]);
    outcome.written = writes.size;
    await this.#announce(tx, { owner, collection, updatedAt }, outcome.written);
    return outcome;
  }

  // For a batch the database refused: each document in a savepoint of its own, so a value the database
  // refuses costs that document only. Same locks (id order) and the same steps as the batch path.
  async #applyOneByOne(tx: Queryable, owner: string, collection: string, rows: readonly PushRow[]): Promise<PushOutcome> {
    const updatedAt = await this.#lockAndVersion(tx, owner, collection);
    const outcome: PushOutcome = { conflicts: [], refused: [], written: 0 };
    const written = new Set<string>();
    const inIdOrder = [...rows].sort((a, b) => compareIds(a.newDocumentState.id, b.newDocumentState.id));
    for (const row of inIdOrder) {
      const { id } = row.newDocumentState;
      await tx.query('savepoint one_document');
      try {
        // Reads this transaction's own earlier write of a repeated id, as the batch path's map does.
        const [master] = await tx.query<Row>(
          `${SELECT_COLUMNS} where owner = $1 and collection = $2 and id = $3 for update`, [owner, collection, id]);
        const step = this.#step(collection, updatedAt, row, master);
        if (step.write) await this.#upsert(tx, owner, collection, updatedAt, [step.write]);
        await tx.query('release savepoint one_document');
        if (step.conflict) outcome.conflicts.push(step.conflict);
        if (step.write) written.add(id);
      } catch (error) {
        const refusal = dataExceptionMessage(error);
        if (refusal === null) throw error;
        await tx.query('rollback to savepoint one_document');
        outcome.refused.push({ documentId: id, code: 'BAD_USER_INPUT', message: `the database refused this document: ${refusal}` });
      }
    }
    outcome.written = written.size;
    await this.#announce(tx, { owner, collection, updatedAt }, outcome.written);
    return outcome;
  }

  /** Takes the (owner, collection) lock and returns the batch's updatedAt, later than any stored one. */
  async #lockAndVersion(tx: Queryable, owner: string, collection: string): Promise<number> {
    await tx.query('select pg_advisory_xact_lock(hashtext($1), hashtext($2))', [owner, collection]);
    const [latest] = await tx.query<{ last: number | null }>(
      'select max(updated_at) as last from documents where owner = $1 and collection = $2', [owner, collection]);
    return Math.max(this.#clock.now(), (latest?.last ?? 0) + 1);
  }

  #step(collection: string, updatedAt: number, row: PushRow, master: Row | undefined): Step {
    const doc = row.newDocumentState;
    const next: Row = { id: doc.id, data: this.#dataOf(collection, doc, master), updated_at: updatedAt, deleted: doc.deleted };
    if (!master) return { write: next };
    // A repeated push of what is already stored was applied before (its response was lost): no conflict, no new version.
    if (this.#sameContent(collection, master, next)) return {};
    // As RxDB's reference master-write: a conflict is a content difference, not an updatedAt one. The
    // server assigns updatedAt, so an edit pushed before the echo of the previous one carries the
    // device's own (older) updatedAt in assumedMasterState and is still no conflict.
    if (!this.#assumedIsMaster(collection, row.assumedMasterState, master)) return { conflict: this.#toDocument(collection, master) };
    return { write: next };
  }

  async #upsert(tx: Queryable, owner: string, collection: string, updatedAt: number, writes: readonly Row[]): Promise<void> {
    if (writes.length === 0) return;
    const payload = writes.map((w) => ({ id: w.id, data: w.data, deleted: w.deleted }));
    await tx.query(
      // In id order, as the rows were locked.
      `insert into documents (owner, collection, id, data, updated_at, deleted)
       select $1, $2, r.id, r.data, $3, r.deleted
       from jsonb_to_recordset($4::jsonb) as r(id text, data jsonb, deleted boolean)
       order by r.id
       on conflict (owner, collection, id) do update
         set data = excluded.data, updated_at = excluded.updated_at, deleted = excluded.deleted`,
      [owner, collection, updatedAt, JSON.stringify(payload)]);
  }

  async #announce(tx: Queryable, notice: ChangeNotice, written: number): Promise<void> {
    if (written === 0) return;
    // NOTIFY inside the transaction is delivered on commit, to every process listening.
    await tx.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(notice)]);
  }

  /** Why a row is refused before anything is written: its id, an assumed state of another id, or a value the database cannot store. */
  #problem(collection: string, row: PushRow): string | null {
    const doc = row.newDocumentState;
    const badId = idProblem(doc.id);
    if (badId) return badId;
    const assumed = row.assumedMasterState;
    if (assumed && assumed.id !== doc.id) return `assumedMasterState.id "${assumed.id}" differs from newDocumentState.id "${doc.id}"`;
    for (const field of this.#fields.get(collection) ?? []) {
      const problem = fieldProblem(field, doc[field] ?? null);
      if (problem) return problem;
    }
    return null;
  }

  // A device on an older app does not know an optional field: leaving it out keeps the stored value.
  #dataOf(collection: string, doc: DocumentInput, master?: Row): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    const optional = this.#optional.get(collection);
    for (const field of this.#fields.get(collection) ?? []) {
      data[field] = doc[field] === undefined && master && optional?.has(field) ? master.data[field] ?? null : doc[field] ?? null;
    }
    return data;
  }

  #assumedIsMaster(collection: string, assumed: DocumentInput | null | undefined, master: Row): boolean {
    if (!assumed) return false;
    const data = this.#dataOf(collection, assumed, master);
    // An optional field the stored document never held (it predates the field) is no conflict: a device
    // that migrated its copy assumes the value its migration gave, and no other device can have changed it.
    for (const field of this.#optional.get(collection) ?? []) if ((master.data[field] ?? null) === null) data[field] = null;
    return this.#sameContent(collection, master, { ...master, data, deleted: assumed.deleted });
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

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Where a pull from the start begins: always known, since it names no document. */
const START_CHECKPOINT: Readonly<Checkpoint> = { id: '', updatedAt: 0 };
const isStart = (checkpoint: Checkpoint): boolean => checkpoint.id === START_CHECKPOINT.id && checkpoint.updatedAt === START_CHECKPOINT.updatedAt;
