import { getAssumedMasterState, getChangedDocumentsSince, getComposedPrimaryKeyOfDocumentData, writeDocToDocState } from 'rxdb';
import type { RxStorageInstanceReplicationState } from 'rxdb';
import type { RxReplicationState } from 'rxdb/plugins/replication';

/**
 * The local writes of one collection that the server has not accepted yet.
 *
 * @example
 * ```ts
 * const { count, oldestAt } = await countPendingWrites(replication);
 * if (oldestAt !== null) console.log(`${count} writes, oldest ${Date.now() - oldestAt} ms ago`);
 * ```
 */
export interface PendingWrites {
  count: number;
  /** Local epoch ms of the oldest pending write, or null when there is none. */
  oldestAt: number | null;
}

/**
 * Counts pending writes the way RxDB's upstream decides what to push: documents changed since the
 * stored `up` checkpoint whose state differs from the last server state the client knows. One
 * query over the changes since the checkpoint, so it is cheap when the outbox is small and linear
 * in it otherwise. (Paging it would rescan: RxDB's changes query walks the `_meta.lwt` index from
 * the page's timestamp, and a `bulkInsert` gives every document the same one.)
 * Needs a started replication (paused is fine): its meta instance holds that knowledge.
 *
 * @example
 * ```ts
 * await countPendingWrites(replication); // { count: 3, oldestAt: 1764096000000 }
 * ```
 */
export async function countPendingWrites(replication: RxReplicationState<any, any>): Promise<PendingWrites> {
  await replication.startPromise;
  const state = replication.internalReplicationState;
  if (!state) return { count: 0, oldestAt: null };
  const checkpoint = await storedCheckpoint(state, 'up');
  const { documents } = await getChangedDocumentsSince(state.input.forkInstance, Number.MAX_SAFE_INTEGER, checkpoint);
  if (documents.length === 0) return { count: 0, oldestAt: null };
  const assumed = await getAssumedMasterState(state, documents.map((doc) => doc[state.primaryPath] as string));
  let count = 0;
  let oldestAt: number | null = null;
  for (const doc of documents) {
    const master = assumed[doc[state.primaryPath] as string];
    const pushed =
      master !== undefined &&
      master.metaDocument.isResolvedConflict !== doc._rev &&
      state.input.conflictHandler.isEqual(master.docData, writeDocToDocState(doc, state.hasAttachments, false), 'session-sync-pending');
    if (pushed) continue;
    count++;
    if (oldestAt === null || doc._meta.lwt < oldestAt) oldestAt = doc._meta.lwt;
  }
  return { count, oldestAt: oldestAt === null ? null : Math.round(oldestAt) };
}

/**
 * The checkpoint RxDB stored for one direction, read without `getLastCheckpointDoc()` (which caches
 * into the live replication state); undefined before the first one.
 *
 * @example
 * ```ts
 * await storedCheckpoint(replication.internalReplicationState!, 'down'); // { id: 't9', updatedAt: 1764096000000 }
 * ```
 */
export async function storedCheckpoint(state: RxStorageInstanceReplicationState<any>, direction: 'up' | 'down'): Promise<unknown> {
  const meta = state.input.metaInstance;
  const id = getComposedPrimaryKeyOfDocumentData(meta.schema, { itemId: direction, isCheckpoint: '1' });
  const [doc] = await meta.findDocumentsById([id], false);
  return doc?.checkpointData;
}
