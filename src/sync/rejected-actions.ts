import type { RxCollection, WithDeleted } from 'rxdb';
import { SessionError } from '../errors/session-error.ts';
import type { GraphQLErrorInfo } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { CollectionOperations, PushRow, ServerDocument } from './graphql-operations.ts';
import type { RejectedDocuments } from './rejected-documents.ts';
import { withoutNulls } from './server-documents.ts';
import type { SyncTransport } from './sync-transport.ts';

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
 * What happens to documents the server refuses. `setAside` lists them (RxDB then counts them as
 * pushed, so they never block the outbox). `retry` sends one again as it is now locally (one
 * request, no backoff: the app asked). `discard` puts the local document back to the last server
 * state the client knew (or removes it if the server never had it) without pushing that restore:
 * the push modifier skips exactly that state once.
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
  // Document id → the restored state whose push is skipped (once).
  readonly #suppressed = new Map<string, WithDeleted<any>>();

  constructor(opts: {
    collection: RxCollection;
    rejected: RejectedDocuments;
    transport: SyncTransport;
    operations: CollectionOperations;
    afterChange: () => void;
    clock: Clock;
  }) {
    this.#collection = opts.collection;
    this.#rejected = opts.rejected;
    this.#transport = opts.transport;
    this.#operations = opts.operations;
    this.#afterChange = opts.afterChange;
    this.#clock = opts.clock;
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

  /** Lists the rows a push response refused (errors naming a `documentId`); returns their ids. */
  async setAside(rows: readonly PushRow[], errors: readonly GraphQLErrorInfo[]): Promise<string[]> {
    const byId = new Map(rows.map((row) => [String(row.newDocumentState[this.#primary]), row]));
    const entries = errors.flatMap((error) => {
      const documentId = String(error.extensions?.['documentId']);
      const row = byId.get(documentId);
      return row ? [{ documentId, ...refusal(error), row }] : [];
    });
    await this.#rejected.add(entries, this.#clock.now());
    return entries.map((entry) => entry.documentId);
  }

  async retry(documentId: string): Promise<RetryOutcome> {
    const entry = await this.#rejected.get(documentId);
    if (!entry) throw new SessionError('INVALID_OPTION', `document "${documentId}" is not in the rejected list`);
    const local = await this.#collection.findOne(documentId).exec();
    const row: PushRow = {
      assumedMasterState: entry.assumedMasterState,
      newDocumentState: local ? { ...local.toJSON(), deleted: false } : entry.document,
    };
    const { push } = this.#operations;
    const response = await this.#transport.request(push.query, push.variables([row]));
    const refused = response.documentErrors.find((error) => error.extensions?.['documentId'] === documentId);
    if (refused) {
      await this.#rejected.add([{ documentId, ...refusal(refused), row }], this.#clock.now());
      return 'rejected';
    }
    const conflicts = response.data ? push.data(response.data) : [];
    await this.#rejected.remove(documentId);
    const master = Array.isArray(conflicts) ? conflicts[0] : undefined;
    if (master) await this.#restore(documentId, master);
    this.#afterChange();
    return master ? 'conflict' : 'pushed';
  }

  async discard(documentId: string): Promise<void> {
    const entry = await this.#rejected.get(documentId);
    if (!entry) return;
    await this.#restore(documentId, entry.assumedMasterState);
    await this.#rejected.remove(documentId);
    this.#afterChange();
  }

  get #primary(): string {
    return this.#collection.schema.primaryPath as string;
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

function refusal(error: GraphQLErrorInfo): { code: string; reason: string } {
  const code = typeof error.extensions?.['code'] === 'string' ? error.extensions['code'] : 'REJECTED';
  return { code, reason: error.message || code };
}
