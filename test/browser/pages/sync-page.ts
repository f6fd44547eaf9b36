// A page that syncs a `todo` collection kept in the browser's IndexedDB (RxDB's Dexie storage).
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import type { SyncCollectionOptions } from '../../../src/index.ts';
import { pageParams } from './page-params.ts';
import { createSessionDriver } from './session-driver.ts';
import { createSyncDriver } from './sync-driver.ts';
import { todoSchema } from './todo-schema.ts';

const { client, driver } = createSessionDriver<{ todo: SyncCollectionOptions }>(pageParams(location.search), {
  storage: getRxStorageDexie(),
  databaseName: 'browser-app',
  collections: { todo: { schema: todoSchema } },
  // Quick retries: a fault test should not wait out the default backoff.
  sync: { retry: { baseMs: 50, maxMs: 500 } },
});

window.app = driver;
window.sync = createSyncDriver(client);
