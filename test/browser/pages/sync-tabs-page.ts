// A page that is one of several tabs of one app: one IndexedDB session (indexedDbSessionStore) and one
// user database in IndexedDB (RxDB's Dexie storage), shared by the tabs; RxDB replicates in one of them.
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { indexedDbSessionStore, type SyncCollectionOptions } from '../../../src/index.ts';
import { pageParams } from './page-params.ts';
import { createSessionDriver } from './session-driver.ts';
import { createSyncDriver } from './sync-driver.ts';
import { todoSchema } from './todo-schema.ts';

declare global {
  interface Window {
    /** Set by the sync tabs page only: the client's exact count of pending writes. */
    pending(): Promise<number>;
  }
}

const { client, driver } = createSessionDriver<{ todo: SyncCollectionOptions }>(pageParams(location.search), {
  storage: getRxStorageDexie(),
  databaseName: 'tabs-app',
  collections: { todo: { schema: todoSchema } },
  sessionStore: indexedDbSessionStore(),
  sync: { retry: { baseMs: 50, maxMs: 500 } },
});

window.app = driver;
window.sync = createSyncDriver(client);
window.pending = async () => Object.values(await client.pendingWrites()).reduce((sum, info) => sum + info.count, 0);
