import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { memorySessionStore } from '../../src/index.ts';
import type { SyncCollectionOptions } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, todoClient, todos, uniqueDatabaseName, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';
import { countingFetch, serverCollectionsV1, todoV0, todoV1 } from './support/upgrade-fixtures.ts';

// The refresh token runs out while the device, on the app's version 0, has 20 writes the server never
// got. The user installs version 1 (a migration) and opens it: the database migrates, the stored session
// is refused (refreshExpired, nothing sent), the user logs in again and the migrated backlog is pushed once.
describe.each([
  ['memory', (): RxStorage<any, any> => getRxStorageMemory()],
  ['dexie', (): RxStorage<any, any> => getRxStorageDexie({ indexedDB, IDBKeyRange })],
])('a relogin after an upgrade (%s storage)', (_lane, storageOf) => {
  const REFRESH_TTL_SEC = 60;
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  const storage = storageOf();
  const databaseName = uniqueDatabaseName();
  const sessionStore = memorySessionStore();
  const wire = countingFetch();
  let upgraded: TodoClient | undefined;

  const run = (todo: SyncCollectionOptions): TodoClient =>
    todoClient(server, {
      storage, databaseName, sessionStore, fetch: wire.fetch,
      collections: { todo }, graphql: { url: `${proxy.origin}/graphql`, wsUrl: server.wsUrl, timeoutMs: 1_000 },
    });

  beforeAll(async () => {
    server = await startE2EServer({ collections: serverCollectionsV1, accessTokenTtlSec: 30, refreshTokenTtlSec: REFRESH_TTL_SEC });
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
  });

  afterAll(async () => {
    await upgraded?.close();
    await proxy?.close();
    await server?.close();
  });

  it('migrates the backlog and pushes it once after the user logs in again', async () => {
    const first = run(todoV0);
    await first.start();
    await first.login({ username: user.username, password: user.password });
    await first.collections.todo.bulkInsert(todos(10, 'synced'));
    await first.awaitInSync();
    proxy.setMode({ kind: 'refuse' });
    await first.collections.todo.bulkInsert(todos(20, 'backlog'));
    await untilStatus(first, (s) => s.sync === 'offline', 'offline');
    await first.close();

    // The refresh token expires before the new version is first opened.
    server.shiftClock((REFRESH_TTL_SEC + 5) * 1000);
    proxy.setMode({ kind: 'pass' });
    wire.reset();
    upgraded = run(todoV1);
    await upgraded.start();
    await untilStatus(upgraded, (s) => s.session === 'refreshExpired' && s.sync === 'paused', 'refreshExpired');
    // A request sent before the refusal was known was answered 401: nothing reached the server.
    expect((await serverIds(server, user.userId)).size).toBe(10);
    expect((await upgraded.pendingWrites()).todo?.count).toBe(20);
    wire.reset();

    await upgraded.login({ username: user.username, password: user.password });
    await upgraded.awaitInSync();
    await untilStatus(upgraded, (s) => s.session === 'active' && s.pendingWrites === 0, 'backlog pushed');

    const counts = await serverIds(server, user.userId);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...wire.pushedRows.keys()].sort()).toEqual(todos(20, 'backlog').map((t) => t.id));
    expect([...wire.pushedRows.values()].every((n) => n === 1)).toBe(true);
    const onServer = await server.readDocuments(user.userId, 'todo');
    expect(onServer.filter((doc) => String(doc.id).startsWith('backlog-')).every((doc) => doc.priority === 0)).toBe(true);
  });
});
