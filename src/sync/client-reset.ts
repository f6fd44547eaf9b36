import { getAssumedMasterState, getChangedDocumentsSince, writeDocToDocState } from 'rxdb';
import type { RxStorageInstanceReplicationState, WithDeleted } from 'rxdb';
import type { Logger } from '../platform/logger.ts';
import type { PullBulk, PushRow, ServerDocument } from './graphql-operations.ts';

/** The default convention's checkpoint: the position of a document in (updatedAt, id) order. */
export interface Position {
  id: string;
  updatedAt: number;
}

/**
 * Whether a pull answer comes from a position before the checkpoint it was sent: its first document,
 * or the checkpoint of an empty page, is older than it. A healthy server never does that (pull returns
 * what comes strictly after the checkpoint); one restored from a backup older than the checkpoint
 * does, to say it does not know it (docs/wire-protocol.md). Only `updatedAt` is compared: within one
 * `updatedAt` the server orders ids by its own collation, which need not be JavaScript's. Only
 * checkpoints of the default convention can be compared: any other answer is taken as it is.
 *
 * @example
 * ```ts
 * answersFromBefore({ id: 'b', updatedAt: 20 }, { documents: [], checkpoint: { id: '', updatedAt: 0 } }); // true
 * answersFromBefore({ id: 'b', updatedAt: 20 }, { documents: [], checkpoint: { id: 'b', updatedAt: 20 } }); // false
 * ```
 */
export function answersFromBefore(sent: unknown, answer: PullBulk): boolean {
  const from = positionOf(sent);
  if (!from) return false;
  const first = answer.documents[0];
  const answered = positionOf(first ? { id: first['id'], updatedAt: first['updatedAt'] } : answer.checkpoint);
  return answered !== null && answered.updatedAt < from.updatedAt;
}

/** What one client reset did, for the log. */
export interface ClientResetReport {
  /** Documents the server has, read from the start. */
  serverDocuments: number;
  /** Local documents pushed again: ones the server lost or holds in an older state, and unsynced writes. */
  pushed: number;
}

/**
 * Options of {@link ClientReset}: the replication's I/O, passed in.
 */
export interface ClientResetOptions {
  collection: string;
  /** The server's delete flag (`deleted`). */
  deletedField: string;
  /** Documents per page while reading the server and the local store. */
  batchSize: number;
  /** One page after `checkpoint`, retried until answered (local form); null once held or stopped. */
  pullPage(checkpoint: unknown, batchSize: number): Promise<PullBulk | null>;
  /** Pushes rows as they are (no guard of their own) until each landed or was set aside; false once held or stopped. */
  push(rows: PushRow[]): Promise<boolean>;
  /** Ids of documents set aside as refused: they wait for the app, not for a reset. */
  setAsideIds(): Promise<ReadonlySet<string>>;
  logger: Logger;
}

/**
 * What a client does when its server went back in time (restored from a backup older than the
 * client's checkpoint; Realm calls this a client reset). The server lost whatever it accepted after
 * the backup, and the client still has it: so the client reads the server from the start and pushes
 * its own state of every document the server lacks or holds older than the checkpoint, and every
 * unsynced write on top of what the server now has. Documents another device wrote after the
 * restore (later than the checkpoint) win as usual. The caller then pulls from the start.
 *
 * Unsynced writes must not reach the server before this: pushed against the state the client knew
 * before the restore, they would conflict with an older one and the server's would win.
 *
 * @example
 * ```ts
 * const reset = new ClientReset(() => replication.internalReplicationState, { collection: 'todo', deletedField: 'deleted', batchSize: 1000, pullPage, push, setAsideIds, logger });
 * const report = await reset.run({ id: 't9', updatedAt: 1764096000000 }); // null when held meanwhile
 * ```
 */
export class ClientReset {
  readonly #state: () => RxStorageInstanceReplicationState<any> | undefined;
  readonly #opts: ClientResetOptions;
  // One reset at a time; a second caller with the same checkpoint waits for the first.
  #running: { key: string; done: Promise<ClientResetReport | null> } | null = null;
  // The checkpoint a reset completed for: the pull that still holds it only has to start over.
  #doneFor: string | null = null;

  constructor(state: () => RxStorageInstanceReplicationState<any> | undefined, opts: ClientResetOptions) {
    this.#state = state;
    this.#opts = opts;
  }

  /** Whether a reset already ran for the checkpoint `sent`. */
  doneFor(sent: unknown): boolean {
    return this.#doneFor === JSON.stringify(sent);
  }

  /** Runs the reset for the checkpoint the server did not know; null when sync was held or stopped before it ended. */
  run(sent: Position): Promise<ClientResetReport | null> {
    const key = JSON.stringify(sent);
    if (this.#running?.key === key) return this.#running.done;
    const done = this.#reset(sent).then((report) => {
      if (report) this.#doneFor = key;
      return report;
    }).finally(() => {
      if (this.#running?.done === done) this.#running = null;
    });
    this.#running = { key, done };
    return done;
  }

  async #reset(sent: Position): Promise<ClientResetReport | null> {
    const state = this.#state();
    if (!state) return null;
    const { collection, batchSize, logger } = this.#opts;
    logger.warn('the server does not know this client\'s checkpoint (restored from a backup?): client reset', { collection, checkpointUpdatedAt: sent.updatedAt });
    const skip = await this.#opts.setAsideIds();
    const onServer = new Set<string>();
    let pushed = 0;
    // 1. The server from the start: each document it has, against the local one.
    for (let checkpoint: unknown = null; ;) {
      const page = await this.#opts.pullPage(checkpoint, batchSize);
      if (!page) return null;
      const rows = await this.#correctionsFor(state, page.documents, sent, skip);
      for (const doc of page.documents) onServer.add(String(doc[state.primaryPath]));
      pushed += rows.length;
      if (rows.length > 0 && !(await this.#opts.push(rows))) return null;
      if (page.documents.length < batchSize) break;
      checkpoint = page.checkpoint;
    }
    // 2. Local documents the server lacks, deleted ones too (another device may still hold them).
    for (let checkpoint: unknown = undefined; ;) {
      const { documents, checkpoint: next } = await getChangedDocumentsSince(state.input.forkInstance, batchSize, checkpoint);
      const missing = documents.filter((doc) => !onServer.has(doc[state.primaryPath] as string) && !skip.has(doc[state.primaryPath] as string));
      const rows = missing.map((doc) => ({ newDocumentState: this.#wireState(state, doc) }));
      pushed += rows.length;
      if (rows.length > 0 && !(await this.#opts.push(rows))) return null;
      if (documents.length < batchSize) break;
      checkpoint = next;
    }
    const report = { serverDocuments: onServer.size, pushed };
    logger.warn('client reset done: pushed again what the server lost, now pulling from the start', { collection, ...report });
    return report;
  }

  // The local documents of one server page that the client pushes again, each against the server's state.
  async #correctionsFor(state: RxStorageInstanceReplicationState<any>, serverDocs: readonly ServerDocument[], sent: Position, skip: ReadonlySet<string>): Promise<PushRow[]> {
    const ids = serverDocs.map((doc) => String(doc[state.primaryPath])).filter((id) => !skip.has(id));
    if (ids.length === 0) return [];
    const [locals, assumed] = await Promise.all([state.input.forkInstance.findDocumentsById(ids, true), getAssumedMasterState(state, ids)]);
    const localById = new Map(locals.map((doc) => [doc[state.primaryPath] as string, doc]));
    const { isEqual } = state.input.conflictHandler;
    const rows: PushRow[] = [];
    for (const server of serverDocs) {
      const id = String(server[state.primaryPath]);
      const local = localById.get(id);
      if (!local) continue;
      const localState = writeDocToDocState(local, state.hasAttachments, false);
      const serverState = this.#internalState(server);
      if (isEqual(serverState, localState, 'session-sync-reset')) continue;
      const master = assumed[id];
      const synced = master !== undefined && master.metaDocument.isResolvedConflict !== local._rev && isEqual(master.docData, localState, 'session-sync-reset');
      // A synced copy loses only to a write the server took after the client's checkpoint (another device, since the restore).
      if (synced && Number(server['updatedAt']) > sent.updatedAt) continue;
      rows.push({ assumedMasterState: server, newDocumentState: this.#wireState(state, local) });
    }
    return rows;
  }

  // RxDB's internal form (`_deleted`) of a server document, to compare with local ones.
  #internalState(doc: ServerDocument): WithDeleted<any> {
    const { [this.#opts.deletedField]: deleted, ...rest } = doc;
    return { ...rest, _deleted: deleted === true };
  }

  // A local document as the push handler sends it (the server's delete flag, no RxDB metadata).
  #wireState(state: RxStorageInstanceReplicationState<any>, doc: Parameters<typeof writeDocToDocState>[0]): ServerDocument {
    const { _deleted, ...rest } = writeDocToDocState(doc, state.hasAttachments, false) as Record<string, unknown>;
    return { ...rest, [this.#opts.deletedField]: _deleted === true } as ServerDocument;
  }
}

function positionOf(value: unknown): Position | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, updatedAt } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof updatedAt === 'number' ? { id, updatedAt } : null;
}
