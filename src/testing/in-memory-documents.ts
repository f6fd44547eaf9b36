// The in-memory server's documents: per user and collection, pulled in (updatedAt, id) order and pushed
// with compare-and-swap on content, as docs/wire-protocol.md says. No I/O and no auth: the server in
// in-memory-server.ts routes requests here once it knows the user.

/** A document as the server keeps and sends it: its fields plus `id`, `updatedAt` and `deleted`. */
export type InMemoryDocument = Record<string, unknown> & { id: string; updatedAt: number; deleted: boolean };

/**
 * A snapshot of the in-memory server's documents (every user's) and their updatedAt counters, taken by
 * `backup()` for `restore()`. Opaque: only the server that took it can restore it.
 */
export interface InMemoryBackup {
  /** When it was taken, on the server clock (ms). */
  readonly takenAt: number;
}

/** One push row as the client sends it. */
export interface InMemoryPushRow {
  assumedMasterState?: Record<string, unknown> | null;
  newDocumentState: Record<string, unknown>;
}

type Position = { id: string; updatedAt: number };
type Buckets = Map<string, Map<string, InMemoryDocument>>;

/** Where a pull from the start begins: always known, since it names no document. */
const START: Position = { id: '', updatedAt: 0 };

/**
 * Every user's documents, by collection (its GraphQL type name), with the server's updatedAt counter.
 *
 * @example
 * ```ts
 * const documents = new InMemoryDocuments(() => Date.now());
 * documents.push('u1', 'Todo', [{ newDocumentState: { id: 'a', title: 'milk', deleted: false } }]);
 * documents.pull('u1', 'Todo', null, 100); // { documents: [a], checkpoint: { id: 'a', updatedAt: … } }
 * ```
 */
export class InMemoryDocuments {
  readonly #now: () => number;
  /** By `${userId} ${TypeName}`, then id. */
  #buckets: Buckets = new Map();
  #lastUpdatedAt = new Map<string, number>();
  /** What each backup holds: the handle users see is opaque. */
  readonly #backups = new WeakMap<InMemoryBackup, { buckets: Buckets; lastUpdatedAt: Map<string, number> }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Up to `limit` documents strictly after `checkpoint`. A checkpoint is known when its document is
   * stored at or after it (documents are never removed and updatedAt only grows); one this server cannot
   * know (it was restored from an older backup) is answered from before it, so the client re-pushes
   * what was lost instead of waiting after it.
   */
  pull(userId: string, typeName: string, checkpoint: Position | null, limit: number): { documents: InMemoryDocument[]; checkpoint: Position | null } {
    const docs = this.#bucket(userId, typeName);
    const inOrder = inPullOrder(docs.values());
    const stored = checkpoint ? docs.get(checkpoint.id) : undefined;
    const known = !checkpoint || (checkpoint.id === START.id && checkpoint.updatedAt === START.updatedAt) || (stored !== undefined && stored.updatedAt >= checkpoint.updatedAt);
    if (!known) {
      const fromStart = inOrder.slice(0, limit);
      if (!fromStart[0] || !comesBefore(fromStart[0], checkpoint!)) return { documents: [], checkpoint: { ...START } };
      return { documents: fromStart, checkpoint: positionOf(fromStart.at(-1)!) };
    }
    const page = inOrder.filter((d) => !checkpoint || comesBefore(checkpoint, d)).slice(0, limit);
    const last = page.at(-1);
    return { documents: page, checkpoint: last ? positionOf(last) : checkpoint };
  }

  /** Applies a push: one updatedAt for the batch; a row whose assumed state differs from the stored one is a conflict. */
  push(userId: string, typeName: string, rows: readonly InMemoryPushRow[]): { conflicts: InMemoryDocument[]; written: number } {
    const docs = this.#bucket(userId, typeName);
    const k = `${userId} ${typeName}`;
    const updatedAt = Math.max(this.#now(), (this.#lastUpdatedAt.get(k) ?? 0) + 1);
    const conflicts: InMemoryDocument[] = [];
    let written = 0;
    for (const row of rows) {
      const next = row.newDocumentState;
      const id = String(next['id']);
      const master = docs.get(id);
      const candidate: InMemoryDocument = { ...withoutUpdatedAt(next), id, deleted: next['deleted'] === true, updatedAt };
      if (master) {
        // A repeated push of what is stored was applied before (its response was lost): nothing to do.
        if (sameContent(master, candidate)) continue;
        const assumed = row.assumedMasterState;
        if (!assumed || !sameContent(master, { ...withoutUpdatedAt(assumed), id, deleted: assumed['deleted'] === true, updatedAt })) {
          conflicts.push(master);
          continue;
        }
      }
      docs.set(id, candidate);
      written += 1;
    }
    if (written > 0) this.#lastUpdatedAt.set(k, updatedAt);
    return { conflicts, written };
  }

  /** The user's documents of one collection, deleted ones included, in pull order (copies). */
  read(userId: string, typeName: string): InMemoryDocument[] {
    return inPullOrder(this.#bucket(userId, typeName).values()).map((d) => ({ ...d }));
  }

  /** A snapshot of every user's documents, for {@link restore}. */
  backup(takenAt: number): InMemoryBackup {
    const backup: InMemoryBackup = Object.freeze({ takenAt });
    this.#backups.set(backup, { buckets: copyOf(this.#buckets), lastUpdatedAt: new Map(this.#lastUpdatedAt) });
    return backup;
  }

  /** Puts the documents back as `backup` holds them; throws for a backup of another server. */
  restore(backup: InMemoryBackup): void {
    const snapshot = this.#backups.get(backup);
    if (!snapshot) throw new Error('restore: not a backup of this server');
    // Copied again, so one backup can be restored more than once.
    this.#buckets = copyOf(snapshot.buckets);
    this.#lastUpdatedAt = new Map(snapshot.lastUpdatedAt);
  }

  #bucket(userId: string, typeName: string): Map<string, InMemoryDocument> {
    const k = `${userId} ${typeName}`;
    let docs = this.#buckets.get(k);
    if (!docs) this.#buckets.set(k, (docs = new Map()));
    return docs;
  }
}

const inPullOrder = (docs: Iterable<InMemoryDocument>): InMemoryDocument[] =>
  [...docs].sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** (updatedAt, id) order, of documents and checkpoints alike. */
const comesBefore = (a: Position, b: Position): boolean => a.updatedAt < b.updatedAt || (a.updatedAt === b.updatedAt && a.id < b.id);

const positionOf = (doc: InMemoryDocument): Position => ({ id: doc.id, updatedAt: doc.updatedAt });

/** A deep copy by bucket, then id: a backup shares nothing with the live documents. */
const copyOf = (buckets: Buckets): Buckets =>
  new Map([...buckets].map(([bucket, docs]) => [bucket, new Map([...docs].map(([id, doc]) => [id, structuredClone(doc)]))]));

function withoutUpdatedAt(doc: Record<string, unknown>): Record<string, unknown> {
  const { updatedAt: _ignored, ...rest } = doc;
  return rest;
}

/** Same content: every field but `updatedAt`, a missing field equal to null. */
function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('updatedAt');
  for (const k of keys) if (JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) return false;
  return true;
}
