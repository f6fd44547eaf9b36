import WebSocket from 'ws';
import { todoSchema } from '../../helpers/todo-schema.ts';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { RxConflictHandler, RxDatabase, RxJsonSchema, RxStorage } from 'rxdb';
import type { SyncServer } from '../../../examples/server/start-server.ts';
import { openUserDatabase } from '../../../src/sync/user-database.ts';
import { SyncEngine } from '../../../src/sync/sync-engine.ts';
import type { SyncEngineOptions, SyncedCollection } from '../../../src/sync/sync-engine.ts';
import type { TokenSource } from '../../../src/sync/sync-transport.ts';

export { todoSchema };

export const noteSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, body: { type: 'string' }, updatedAt: { type: 'number' } },
  required: ['id', 'body'],
};

/** One device of a user: its own database and sync engine against the server. */
export interface Device {
  db: RxDatabase;
  sync: SyncEngine;
  close(): Promise<void>;
}

let deviceCounter = 0;

/** Opens a device for `userId` with live stream (unless `wsUrl: undefined` is passed) on memory storage. */
export async function openDevice(
  server: SyncServer,
  tokens: TokenSource & { userId: string },
  opts: Partial<SyncEngineOptions> & {
    storage?: RxStorage<any, any>; databaseName?: string; collections?: Record<string, SyncedCollection>; conflictHandler?: RxConflictHandler<any>;
  } = {},
): Promise<Device> {
  const collections = opts.collections ?? { todo: { schema: todoSchema } };
  const db = await openUserDatabase({
    storage: opts.storage ?? getRxStorageMemory(),
    databaseName: opts.databaseName ?? `device${process.pid}x${++deviceCounter}`,
    userId: tokens.userId,
    collections: Object.fromEntries(Object.entries(collections).map(([name, c]) => [name, { schema: c.schema, ...(opts.conflictHandler ? { conflictHandler: opts.conflictHandler } : {}) }])),
    multiInstance: false,
  });
  const sync = new SyncEngine({
    database: db,
    collections,
    graphqlUrl: server.graphqlUrl,
    wsUrl: server.wsUrl,
    webSocketImpl: WebSocket,
    tokens,
    retry: { baseMs: 50, maxMs: 500 },
    ...opts,
  });
  await sync.open();
  return {
    db,
    sync,
    async close() {
      await sync.close();
      await db.close();
    },
  };
}

/** n todos with ids `${prefix}-0000…`. */
export function todos(n: number, prefix = 't'): { id: string; title: string; done: boolean }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(5, '0')}`, title: `todo ${i}`, done: false }));
}
