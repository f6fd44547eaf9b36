// A page that syncs a `todo` collection kept in the browser's IndexedDB (RxDB's Dexie storage).
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import type { SyncCollectionOptions } from '../../../src/index.ts';
import { pageParams } from './page-params.ts';
import { createSessionDriver } from './session-driver.ts';
import { todoSchema } from './todo-schema.ts';

/** `window.sync` on the sync page: the signed-in user's todos. */
export interface SyncDriver {
  /** Inserts `count` todos with ids `${prefix}-0…`, offline or not. */
  insert(prefix: string, count: number): Promise<void>;
  /** The ids of the todos on this device, sorted. */
  ids(): Promise<string[]>;
  awaitInSync(): Promise<void>;
}

declare global {
  interface Window {
    /** Set by the sync page only. */
    sync: SyncDriver;
  }
}

const { client, driver } = createSessionDriver<{ todo: SyncCollectionOptions }>(pageParams(location.search), {
  storage: getRxStorageDexie(),
  databaseName: 'browser-app',
  collections: { todo: { schema: todoSchema } },
  // Quick retries: a fault test should not wait out the default backoff.
  sync: { retry: { baseMs: 50, maxMs: 500 } },
});

window.app = driver;
window.sync = {
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
