import type { RxCollection, RxDatabase } from 'rxdb';
import type { RxMigrationState, RxMigrationStatus } from 'rxdb/plugins/migration-schema';
import { Subscription } from 'rxjs';
import type { ServerDocument } from './graphql-operations.ts';

/**
 * How far RxDB's schema migration of one collection has come, for `status.migration`. `done` and
 * `total` count RxDB's units of work: the collection's documents plus the rows of its replication
 * state (checkpoints and the server state each synced document was last seen in), which RxDB migrates too.
 *
 * @example
 * ```ts
 * const progress: MigrationProgress = { collection: 'todo', done: 1_000, total: 2_052 };
 * render(`updating local data… ${Math.round((progress.done / progress.total) * 100)} %`);
 * ```
 */
export interface MigrationProgress {
  collection: string;
  done: number;
  total: number;
}

/**
 * Reports the progress of every migration RxDB runs on `db` until unsubscribed; RxDB runs them
 * while `addCollections` is pending, so subscribe before it.
 *
 * @example
 * ```ts
 * const following = followMigrations(db, (progress) => console.log(progress));
 * await db.addCollections(creators);
 * following.unsubscribe();
 * ```
 */
export function followMigrations(db: RxDatabase, onProgress: (progress: MigrationProgress) => void): Subscription {
  const all = new Subscription();
  const followed = new Set<RxMigrationState>();
  const states$ = (db as RxDatabase & { migrationStates(): import('rxjs').Observable<RxMigrationState[]> }).migrationStates();
  all.add(states$.subscribe((states) => {
    for (const state of states) {
      if (followed.has(state)) continue;
      followed.add(state);
      // RxDB announces a state from inside its constructor, before its `$` exists.
      queueMicrotask(() => {
        if (all.closed) return;
        all.add(state.$.subscribe((status: RxMigrationStatus) => {
          if (status.status === 'RUNNING') onProgress({ collection: status.collectionName, done: status.count.handled, total: status.count.total });
        }));
      });
    }
  }));
  return all;
}

/**
 * Brings documents from the server up to the collection's schema version with the collection's own
 * migration strategies, for servers that still hold (or receive, from devices on the old app)
 * documents of an older version. `versionOf` says which version a document was written under. A
 * strategy that returns null (RxDB: drop the document) marks it deleted on this device: a page keeps
 * its length, which tells RxDB whether more pages follow.
 *
 * @example
 * ```ts
 * const docs = await migrateServerDocuments(db.collections.todo, pulled, (doc) => (doc.priority === undefined ? 0 : 1));
 * ```
 */
export async function migrateServerDocuments(
  collection: RxCollection,
  documents: readonly ServerDocument[],
  versionOf: (doc: ServerDocument) => number,
): Promise<ServerDocument[]> {
  const target = collection.schema.version;
  const strategies = collection.migrationStrategies as Record<number, (doc: any, collection: RxCollection) => any>;
  const migrated: ServerDocument[] = [];
  for (const original of documents) {
    let doc: ServerDocument | null = original;
    for (let version = versionOf(original) + 1; doc !== null && version <= target; version++) {
      doc = ((await strategies[version]!(structuredClone(doc), collection)) ?? null) as ServerDocument | null;
    }
    if (doc === null) {
      migrated.push({ ...original, deleted: true });
      continue;
    }
    // A strategy that builds a fresh object must not lose what the replication reads.
    migrated.push(doc === original ? doc : { ...doc, id: original.id, updatedAt: original.updatedAt, deleted: original.deleted ?? doc.deleted });
  }
  return migrated;
}
