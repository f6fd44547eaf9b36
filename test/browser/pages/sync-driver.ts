// What every syncing test page exposes as `window.sync`: the signed-in user's todos.
import type { SyncClient, SyncCollectionOptions } from '../../../src/index.ts';

/** `window.sync` on a syncing page. */
export interface SyncDriver {
  /** Inserts `count` todos with ids `${prefix}-0…`, offline or not. */
  insert(prefix: string, count: number): Promise<void>;
  /** The ids of the todos on this device, sorted. */
  ids(): Promise<string[]>;
  awaitInSync(): Promise<void>;
}

declare global {
  interface Window {
    /** Set by the syncing pages only. */
    sync: SyncDriver;
  }
}

/**
 * The driver over a client with a `todo` collection.
 *
 * @example
 * window.sync = createSyncDriver(client);
 */
export function createSyncDriver(client: SyncClient<{ todo: SyncCollectionOptions }>): SyncDriver {
  return {
    async insert(prefix, count) {
      const docs = Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, title: `${prefix} ${i}`, done: false }));
      await client.collections.todo.bulkInsert(docs);
    },
    async ids() {
      const docs = await client.collections.todo.find().exec();
      return docs.map((d) => String(d.primary)).sort();
    },
    awaitInSync: () => client.awaitInSync(),
  };
}
