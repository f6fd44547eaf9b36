// The lane server's documents: per owner and collection, an append-only log in (updatedAt, id) order
// plus an id index. A push batch gets one server-assigned updatedAt above every earlier one, so new
// versions are always appended; a pull is a binary search and a scan. Bench only (bench/lane-server).

/** A document as the wire carries it. */
export type WireDocument = Record<string, unknown> & { id: string; updatedAt: number; deleted: boolean };
/** A document as a client sends it (updatedAt ignored). */
export type InputDocument = Record<string, unknown> & { id: string; deleted?: boolean | null };
export interface PushRowInput { assumedMasterState?: InputDocument | null; newDocumentState: InputDocument }
export interface Checkpoint { id: string; updatedAt: number }
export interface Refusal { documentId: string; code: 'BAD_USER_INPUT'; message: string }
export interface PushResult { conflicts: WireDocument[]; refused: Refusal[]; written: WireDocument[] }

interface Entry { doc: WireDocument; live: boolean }

const MAX_ID_LENGTH = 512;

/** (a.updatedAt, a.id) > (updatedAt, id) */
const after = (a: WireDocument, updatedAt: number, id: string): boolean => a.updatedAt > updatedAt || (a.updatedAt === updatedAt && a.id > id);

class CollectionLog {
  readonly #log: Entry[] = [];
  readonly #byId = new Map<string, Entry>();
  #stale = 0;
  #last = 0;

  constructor(readonly fields: readonly string[]) {}

  pull(checkpoint: Checkpoint | null, limit: number): { documents: WireDocument[]; checkpoint: Checkpoint | null } {
    const log = this.#log;
    let lo = 0;
    let hi = log.length;
    if (checkpoint) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (after(log[mid]!.doc, checkpoint.updatedAt, checkpoint.id)) hi = mid;
        else lo = mid + 1;
      }
    }
    const documents: WireDocument[] = [];
    for (let i = lo; i < log.length && documents.length < limit; i += 1) if (log[i]!.live) documents.push(log[i]!.doc);
    const last = documents.at(-1);
    return { documents, checkpoint: last ? { id: last.id, updatedAt: last.updatedAt } : (checkpoint ?? null) };
  }

  push(rows: readonly PushRowInput[]): PushResult {
    const result: PushResult = { conflicts: [], refused: [], written: [] };
    const updatedAt = Math.max(Date.now(), this.#last + 1);
    const writes = new Map<string, WireDocument>();
    for (const row of rows) {
      const input = row.newDocumentState;
      const assumed = row.assumedMasterState ?? null;
      if (typeof input?.id !== 'string' || input.id.length === 0 || input.id.length > MAX_ID_LENGTH) {
        result.refused.push({ documentId: String(input?.id), code: 'BAD_USER_INPUT', message: `document id must be 1 to ${MAX_ID_LENGTH} characters` });
        continue;
      }
      if (assumed && assumed.id !== input.id) {
        result.refused.push({ documentId: input.id, code: 'BAD_USER_INPUT', message: `assumedMasterState.id "${assumed.id}" differs from newDocumentState.id "${input.id}"` });
        continue;
      }
      const master = writes.get(input.id) ?? this.#byId.get(input.id)?.doc;
      const next = this.#document(input, updatedAt);
      // A push delivered twice: already stored, no conflict and no new version.
      if (master && this.#sameContent(master, next)) continue;
      // As RxDB's reference master-write: a conflict is a content difference from the assumed master.
      if (master && (!assumed || !this.#sameContent(master, this.#document(assumed, master.updatedAt)))) {
        result.conflicts.push(master);
        continue;
      }
      writes.set(input.id, next);
    }
    if (writes.size === 0) return result;
    this.#last = updatedAt;
    const written = [...writes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const doc of written) {
      const old = this.#byId.get(doc.id);
      if (old) {
        old.live = false;
        this.#stale += 1;
      }
      const entry = { doc, live: true };
      this.#log.push(entry);
      this.#byId.set(doc.id, entry);
    }
    if (this.#stale > 1000 && this.#stale * 2 > this.#log.length) this.#compact();
    result.written = written;
    return result;
  }

  #compact(): void {
    const live = this.#log.filter((e) => e.live);
    this.#log.length = 0;
    this.#log.push(...live);
    this.#stale = 0;
  }

  #document(input: InputDocument, updatedAt: number): WireDocument {
    const doc: WireDocument = { id: input.id, updatedAt, deleted: input.deleted === true };
    for (const field of this.fields) doc[field] = input[field] ?? null;
    return doc;
  }

  #sameContent(a: WireDocument, b: WireDocument): boolean {
    if (a.deleted !== b.deleted) return false;
    for (const f of this.fields) {
      const x = a[f];
      const y = b[f];
      if (x !== y && JSON.stringify(x ?? null) !== JSON.stringify(y ?? null)) return false;
    }
    return true;
  }
}

/**
 * Every owner's documents, namespaced per owner (DESIGN.md, Server bounds).
 *
 * @example
 * const store = new DocumentLog({ todo: ['title', 'done'] });
 * store.push('u1', 'todo', [{ newDocumentState: { id: 'a', title: 'x', done: false, deleted: false } }]);
 * store.pull('u1', 'todo', null, 100);
 */
export class DocumentLog {
  readonly #logs = new Map<string, CollectionLog>();

  constructor(readonly collections: Readonly<Record<string, readonly string[]>>) {}

  #log(owner: string, collection: string): CollectionLog {
    const key = `${owner}\u0000${collection}`;
    let log = this.#logs.get(key);
    if (!log) {
      const fields = this.collections[collection];
      if (!fields) throw new Error(`unknown collection "${collection}"`);
      this.#logs.set(key, (log = new CollectionLog(fields)));
    }
    return log;
  }

  pull(owner: string, collection: string, checkpoint: Checkpoint | null, limit: number) {
    return this.#log(owner, collection).pull(checkpoint, limit);
  }

  push(owner: string, collection: string, rows: readonly PushRowInput[]): PushResult {
    return this.#log(owner, collection).push(rows);
  }

  /** Drops every document of the owner. */
  forget(owner: string): void {
    for (const collection of Object.keys(this.collections)) this.#logs.delete(`${owner}\u0000${collection}`);
  }
}
