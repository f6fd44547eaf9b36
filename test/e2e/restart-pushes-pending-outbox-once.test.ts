import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { memorySessionStore } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, eventually, serverIds, startE2EServer, statsSince, todoClient, todos, uniqueDatabaseName, untilStatus,
  type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// The dexie lane (IndexedDB; fake-indexeddb in Node, which outlives a database close within the
// process, so "restart" here is a second client on the same stored database and session in one
// process). The first run's push reaches the server but its response is lost, then the server goes
// away and 50 more writes are made: the outbox (150) stays. The next run restores the session and pushes it again: each document
// ends on the server exactly once.
describe('a restart with a pending outbox', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });
  const databaseName = uniqueDatabaseName();
  const sessionStore = memorySessionStore();
  let second: TodoClient | undefined;

  const run = (): TodoClient =>
    todoClient(server, { storage, databaseName, sessionStore, graphql: { url: `${proxy.origin}/graphql`, timeoutMs: 1_000 } });

  beforeAll(async () => {
    server = await startE2EServer();
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
  });

  afterAll(async () => {
    await second?.close();
    await proxy?.close();
    await server?.close();
  });

  it('pushes what the previous run left, once', async () => {
    const first = run();
    await first.start();
    await first.login({ username: user.username, password: user.password });
    await first.collections.todo.bulkInsert(todos(20, 'synced'));
    await first.awaitInSync();

    proxy.setMode({ kind: 'dropResponses', count: 1 });
    await first.collections.todo.bulkInsert(todos(100, 'outbox'));
    await eventually(() => proxy.faultsInjected === 1, 'a push response lost');
    proxy.setMode({ kind: 'refuse' });
    await first.collections.todo.bulkInsert(todos(50, 'unsent'));
    await untilStatus(first, (s) => s.sync === 'offline', 'offline');
    expect((await first.pendingWrites()).todo?.count).toBe(150);
    expect((await serverIds(server, user.userId)).size).toBe(120);
    await first.close();

    proxy.setMode({ kind: 'pass' });
    const before = server.stats();
    second = run();
    const restored = await second.start();
    expect(restored).toMatchObject({ session: 'active', userId: user.userId });
    expect(await second.collections.todo.count().exec()).toBe(170);
    await second.awaitInSync();
    await untilStatus(second, (s) => s.pendingWrites === 0, 'outbox empty');

    const counts = await serverIds(server, user.userId);
    expect(counts.size).toBe(170);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // The 50 never sent are written once; the 100 sent again are recognised as repeats (no new
    // version, no conflict); the 20 synced before are not sent again.
    const delta = statsSince(server, before);
    expect({ pushedDocuments: delta.pushedDocuments, conflicts: delta.conflicts }).toEqual({ pushedDocuments: 50, conflicts: 0 });
    expect(await second.collections.todo.count().exec()).toBe(170);
  });
});
