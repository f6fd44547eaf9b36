import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { RxDatabase } from 'rxdb';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openUserDatabase } from '../../src/sync/user-database.ts';
import { SyncEngine } from '../../src/sync/sync-engine.ts';
import { todoSchema, todos } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// A restart with an outbox: the app wrote before the engine opened, the session held sync for a
// while (refreshing, relogin), then resumed. Every write must reach the server, exactly once.
describe('writes made before open are pushed after a held start', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let db: RxDatabase;
  let sync: SyncEngine;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    db = await openUserDatabase({
      storage: getRxStorageMemory(), databaseName: `held${process.pid}`, userId: tokens.userId,
      collections: { todo: { schema: todoSchema } }, multiInstance: false,
    });
  }, SERVER_START_MS);

  afterAll(async () => {
    await sync?.close();
    await db?.close();
    await server?.close();
  });

  it('counts them while held, sends nothing, then pushes all 1,000 once on resume', async () => {
    await db.collections.todo!.bulkInsert(todos(1000, 'before'));
    const before = server.stats();
    sync = new SyncEngine({ database: db, collections: { todo: { schema: todoSchema } }, graphqlUrl: server.graphqlUrl,
      wsUrl: server.wsUrl, webSocketImpl: WebSocket, tokens, retry: { baseMs: 50, maxMs: 500 } });
    await sync.open();

    await until(sync.status$, (s) => s.pendingWrites === 1000);
    // The hold itself (the session refreshing or waiting for a relogin) lasts; RxDB's upstream
    // has long finished its initial pass over the outbox by the end of it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await sync.pendingWrites()).todo!.count).toBe(1000);
    expect(server.stats().pushes).toBe(before.pushes);

    await sync.resume();
    await sync.awaitInSync();

    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toHaveLength(1000);
    expect(server.stats().pushedDocuments - before.pushedDocuments).toBe(1000);
    expect((await sync.pendingWrites()).todo!.count).toBe(0);
  }, 60_000);
});
