import { deepEqual } from 'rxdb';
import type { RxCollection, WithDeleted } from 'rxdb';
import { SessionError } from '../errors/session-error.ts';
import type { GraphQLErrorInfo } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { CollectionOperations, PushRow, ServerDocument } from './graphql-operations.ts';
import { oversizedRow, refusalOf } from './push-batches.ts';
import type { Refusal, SetAsideRow } from './push-batches.ts';
import type { RejectedDocuments } from './rejected-documents.ts';
import { withoutNulls } from './server-documents.ts';
import { failureOf } from './sync-transport.ts';
import type { SyncResponse, SyncTransport } from './sync-transport.ts';

/**
 * What retrying a refused document led to: accepted, refused again (still listed), or the server
 * had another version (it now is the local one too).
 *
 * @example
 * ```ts
 * if ((await sync.retryRejected('todo', 't1')) === 'rejected') showStillRefused();
 * ```
 */
export type RetryOutcome = 'pushed' | 'rejected' | 'conflict';

/**
 * What happens to documents that cannot be pushed: refused by name, failing alone, or too large.
 * `setAside` lists them (RxDB then counts them as pushed, so they never block the outbox). `retry`
 * sends one again as it is now locally (one request, no backoff: the app asked). `discard` puts the
 * local document back to the last server state the client knew (or removes it if the server never
 * had it) without pushing that restore: the push modifier skips exactly that state once.
 *
 * RxDB takes a set-aside row as pushed, so it assumes the server has that state and sends it as
 * the `assumedMasterState` of the document's next push: a state the server never had (a false
 * conflict that would drop the new edit, or the same refusal again). `corrected` puts the state
 * the server has in its place, until a push of the document lands.
 *
 * @example
 * ```ts
 * const outcome = await actions.retry('t1'); // 'pushed' | 'rejected' | 'conflict'
 * await actions.discard('t2');
 * ```
 */
export class RejectedActions {
  readonly #collection: RxCollection;
  readonly #rejected: RejectedDocuments;
  readonly #transport: SyncTransport;
  readonly #operations: CollectionOperations;
  readonly #afterChange: () => void;
  readonly #clock: Clock;
  readonly #maxRequestBytes: number;
  // Document id → the restored state whose push is skipped (once).
  readonly #suppressed = new Map<string, WithDeleted<any>>();
  // Document id → the state RxDB takes for the server's (a set-aside one), and the one the server has.
  readonly #falseMasters = new Map<string, { assumed: ServerDocument; master: ServerDocument | undefined }>();
  #loaded: Promise<void> | null = null;

  constructor(opts: {
    collection: RxCollection;
    rejected: RejectedDocuments;
    transport: SyncTransport;
    operations: CollectionOperations;
    afterChange: () => void;
    clock: Clock;
    /** A retry of a row over this is refused without being sent. */
    maxRequestBytes: number;
  }) {
    this.#collection = opts.collection;
    this.#rejected = opts.rejected;
    this.#transport = opts.transport;
    this.#operations = opts.operations;
    this.#afterChange = opts.afterChange;
    this.#clock = opts.clock;
    this.#maxRequestBytes = opts.maxRequestBytes;
  }

  /** For the push modifier: true when `doc` is a restore made by `discard`, which must not be sent. */
  suppressed(doc: WithDeleted<any>): boolean {
    const id = String(doc[this.#primary]);
    const state = this.#suppressed.get(id);
    // A newer local write since the restore is a real write: push it.
    if (!state || !this.#collection.conflictHandler.isEqual(state, doc, 'session-sync-discard')) return false;
    this.#suppressed.delete(id);
    return true;
  }

  /** The rows a push response refused by name (errors with a `documentId`), with the server's reasons. */
  refusedIn(rows: readonly PushRow[], errors: readonly GraphQLErrorInfo[]): SetAsideRow[] {
    const byId = new Map(rows.map((row) => [this.#idOf(row), row]));
    return errors.flatMap((error) => {
      const row = byId.get(String(error.extensions?.['documentId']));
      return row ? [{ row, ...refusal(error) }] : [];
    });
  }

  /** Lists rows that will not be pushed (rows as {@link corrected} made them), with their reasons; returns their ids. */
  async setAside(entries: readonly SetAsideRow[]): Promise<string[]> {
    const listed = entries.map((entry) => ({ documentId: this.#idOf(entry.row), ...entry }));
    await this.#rejected.add(listed, this.#clock.now());
    for (const { documentId, row } of listed) this.#falseMasters.set(documentId, { assumed: row.newDocumentState, master: row.assumedMasterState });
    return listed.map((entry) => entry.documentId);
  }

  /** The rows of a push as the server must see them: a set-aside state RxDB assumes is replaced by the server's. */
  async corrected(rows: PushRow[]): Promise<PushRow[]> {
    await (this.#loaded ??= this.#load());
    if (this.#falseMasters.size === 0) return rows;
    return rows.map((row) => {
      const known = this.#falseMasters.get(this.#idOf(row));
      if (!known || !row.assumedMasterState || !deepEqual(known.assumed, row.assumedMasterState)) return row;
      return known.master ? { ...row, assumedMasterState: known.master } : { newDocumentState: row.newDocumentState };
    });
  }

  /** These rows were accepted: what RxDB assumes of them is the server's state again. */
  landed(rows: readonly PushRow[]): void {
    if (this.#falseMasters.size === 0) return;
    for (const row of rows) this.#falseMasters.delete(this.#idOf(row));
  }

  async retry(documentId: string): Promise<RetryOutcome> {
    const entry = await this.#rejected.get(documentId);
    if (!entry) throw new SessionError('INVALID_OPTION', `document "${documentId}" is not in the rejected list`);
    const local = await this.#collection.findOne(documentId).exec();
    const row: PushRow = {
      assumedMasterState: entry.assumedMasterState,
      newDocumentState: local ? { ...local.toJSON(), deleted: false } : entry.document,
    };
    const tooLarge = oversizedRow(row, this.#maxRequestBytes);
    if (tooLarge) return this.#refusedAgain(documentId, row, tooLarge);
    const { push } = this.#operations;
    let response: SyncResponse;
    try {
      response = await this.#transport.request(push.query, push.variables([row]));
    } catch (error) {
      // The server's answer about this document stands; no answer (offline, token) is thrown.
      const answer = refusalOf(failureOf(error));
      if (!answer) throw error;
      return this.#refusedAgain(documentId, row, answer);
    }
    const refused = response.documentErrors.find((error) => error.extensions?.['documentId'] === documentId);
    if (refused) return this.#refusedAgain(documentId, row, refusal(refused));
    const conflicts = response.data ? push.data(response.data) : [];
    await this.#rejected.remove(documentId);
    const master = Array.isArray(conflicts) ? conflicts[0] : undefined;
    // RxDB still assumes the set-aside state: the server now has the retried one (or, after a
    // conflict, the restore below tells RxDB the server's state itself).
    const known = this.#falseMasters.get(documentId);
    if (known && !master) known.master = row.newDocumentState;
    if (master) {
      this.#falseMasters.delete(documentId);
      await this.#restore(documentId, master);
    }
    this.#afterChange();
    return master ? 'conflict' : 'pushed';
  }

  async discard(documentId: string): Promise<void> {
    const entry = await this.#rejected.get(documentId);
    if (!entry) return;
    // The restore is not pushed, but RxDB takes it as the server's state: what it assumes is right again.
    this.#falseMasters.delete(documentId);
    await this.#restore(documentId, entry.assumedMasterState);
    await this.#rejected.remove(documentId);
    this.#afterChange();
  }

  // The list survives a restart, and so does what RxDB assumes of its documents.
  async #load(): Promise<void> {
    for (const entry of await this.#rejected.list()) {
      if (!this.#falseMasters.has(entry.documentId)) this.#falseMasters.set(entry.documentId, { assumed: entry.document, master: entry.assumedMasterState });
    }
  }

  get #primary(): string {
    return this.#collection.schema.primaryPath as string;
  }

  #idOf(row: PushRow): string {
    return String(row.newDocumentState[this.#primary]);
  }

  async #refusedAgain(documentId: string, row: PushRow, why: Refusal): Promise<RetryOutcome> {
    await this.#rejected.add([{ documentId, ...why, row }], this.#clock.now());
    return 'rejected';
  }

  // Writes the server's state locally and marks exactly that state as not to be pushed.
  async #restore(documentId: string, master: ServerDocument | undefined): Promise<void> {
    const local = await this.#collection.findOne(documentId).exec();
    if (master && master['deleted'] !== true) {
      const { deleted: _deleted, ...data } = withoutNulls(master);
      // Marked before the write: the upstream may see the change before upsert() resolves.
      this.#suppressed.set(documentId, { ...data, _deleted: false });
      await this.#collection.upsert(data);
    } else if (local && !local.deleted) {
      const state = { ...local.toJSON(), _deleted: true };
      this.#suppressed.set(documentId, state);
      await local.remove();
    }
  }
}

function refusal(error: GraphQLErrorInfo): Refusal {
  const code = typeof error.extensions?.['code'] === 'string' ? error.extensions['code'] : 'REJECTED';
  return { code, reason: error.message || code };
}
