import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { RxCollection, RxDatabase } from 'rxdb';
import { SyncEngine } from '../../../src/sync/sync-engine.ts';
import type { SyncEngineOptions } from '../../../src/sync/sync-engine.ts';
import type { TokenSource } from '../../../src/sync/sync-transport.ts';
import { openUserDatabase } from '../../../src/sync/user-database.ts';
import { todoSchema } from '../../helpers/todo-schema.ts';

/** One device syncing `todo` with a server of the contract that is not the reference server. */
export interface PlainDevice {
  db: RxDatabase;
  todo: RxCollection;
  sync: SyncEngine;
  close(): Promise<void>;
}

let counter = 0;

/** A static token the test server checks. */
export function staticTokens(token: string): TokenSource {
  return { get: async () => ({ token, generation: 1 }), rejected() {}, accepted() {} };
}

/**
 * Opens a device on memory storage, held (call `sync.resume()`), polling instead of a live stream,
 * with a retry policy of milliseconds: a test never waits out a real backoff.
 */
export async function openPlainDevice(graphqlUrl: string, token: string, opts: Partial<SyncEngineOptions> = {}): Promise<PlainDevice> {
  const db = await openUserDatabase({
    storage: getRxStorageMemory(), databaseName: `plain${process.pid}x${++counter}`, userId: 'plain-user',
    collections: { todo: { schema: todoSchema } }, multiInstance: false,
  });
  const sync = new SyncEngine({
    database: db, collections: { todo: { schema: todoSchema } }, graphqlUrl, tokens: staticTokens(token),
    pullIntervalMs: 3_600_000, retry: { baseMs: 1, maxMs: 4 }, ...opts,
  });
  await sync.open();
  return {
    db,
    todo: db.collections.todo!,
    sync,
    async close() {
      await sync.close();
      await db.close();
    },
  };
}
