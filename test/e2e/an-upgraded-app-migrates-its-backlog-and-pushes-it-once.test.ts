import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { memorySessionStore } from '../../src/index.ts';
import type { MigrationProgress, SessionStore, SyncCollectionOptions } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, statsSince, todoClient, todos, uniqueDatabaseName, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';
import { countingFetch, serverCollectionsV1, todoV0, todoV1 } from './support/upgrade-fixtures.ts';

// A device syncs IN_SYNC todos under the app's version 0, then writes 50 more (and edits one) while
// the server is unreachable, and closes. The app's version 1 adds `priority` with a migration. On its
// first start the database migrates (progress in status.migration) and sync carries on from the stored
// checkpoints: the 51 unsynced writes are pushed once each, in their migrated shape; the documents the
// server already had are neither pushed nor pulled again. Memory storage survives the restart because
// the same storage instance is reused; fake-indexeddb outlives a close within the process.
// UPGRADE_IN_SYNC=1000 measures the README's figures (RxDB's migration on fake-indexeddb takes tens of seconds then).
const IN_SYNC = Number(process.env.UPGRADE_IN_SYNC ?? 200);

describe.each([
  ['memory', (): RxStorage<any, any> => getRxStorageMemory()],
  ['dexie', (): RxStorage<any, any> => getRxStorageDexie({ indexedDB, IDBKeyRange })],
])('an app upgrade with a backlog (%s storage)', (_lane, storageOf) => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  const storage = storageOf();
  const databaseName = uniqueDatabaseName();
  const sessionStore: SessionStore = memorySessionStore();
  const wire = countingFetch();
  let upgraded: TodoClient | undefined;

  const run = (todo: SyncCollectionOptions): TodoClient =>
    todoClient(server, {
      storage, databaseName, sessionStore, fetch: wire.fetch,
      collections: { todo }, graphql: { url: `${proxy.origin}/graphql`, wsUrl: server.wsUrl, timeoutMs: 1_000 },
    });

  beforeAll(async () => {
    server = await startE2EServer({ collections: serverCollectionsV1 });
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
  });

  afterAll(async () => {
    await upgraded?.close();
    await proxy?.close();
    await server?.close();
  });

  it('pushes each unsynced write once, migrated, and leaves in-sync documents alone', async () => {
    const first = run(todoV0);
    await first.start();
    await first.login({ username: user.username, password: user.password });
    await first.collections.todo.bulkInsert(todos(IN_SYNC, 'synced'));
    await first.awaitInSync();

    proxy.setMode({ kind: 'refuse' });
    await first.collections.todo.bulkInsert(todos(50, 'offline'));
    await first.collections.todo.findOne('synced-00001').exec().then((doc) => doc!.incrementalPatch({ title: 'edited offline' }));
    await untilStatus(first, (s) => s.sync === 'offline', 'offline');
    expect((await first.pendingWrites()).todo?.count).toBe(51);
    await first.close();

    proxy.setMode({ kind: 'pass' });
    wire.reset();
    const before = server.stats();
    upgraded = run(todoV1);
    const progress: MigrationProgress[] = [];
    const watching = upgraded.status$.subscribe((s) => s.migration && progress.push(s.migration));
    const restored = await upgraded.start();
    expect(restored).toMatchObject({ session: 'active', userId: user.userId });
    await upgraded.awaitInSync();
    await untilStatus(upgraded, (s) => s.pendingWrites === 0 && s.sync === 'running', 'outbox empty');
    watching.unsubscribe();

    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ collection: 'todo' });
    expect(progress.at(-1)!.total).toBeGreaterThanOrEqual(IN_SYNC + 50);
    expect(upgraded.status.migration).toBeNull();

    const counts = await serverIds(server, user.userId);
    expect(counts.size).toBe(IN_SYNC + 50);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Sent: the 50 new and the one edit, once each; nothing in sync was sent again.
    expect([...wire.pushedRows.keys()].sort()).toEqual(['synced-00001', ...todos(50, 'offline').map((t) => t.id)].sort());
    expect([...wire.pushedRows.values()].every((n) => n === 1)).toBe(true);
    expect(statsSince(server, before)).toMatchObject({ pushedDocuments: 51, conflicts: 0 });
    // Pulled over HTTP: at most what changed since the stored checkpoint (the 51 echoed back), never the rest.
    expect(wire.pulledDocuments()).toBeLessThanOrEqual(51);
    console.info(`[upgrade ${_lane}] ${IN_SYNC} in sync + 51 unsynced: pushed ${wire.pushedRows.size}, pulled over HTTP ${wire.pulledDocuments()}, migration units ${progress.at(-1)!.total}`);

    const onServer = new Map((await server.readDocuments(user.userId, 'todo')).map((doc) => [doc.id, doc]));
    expect(onServer.get('offline-00000')).toMatchObject({ priority: 0, title: 'todo 0' });
    expect(onServer.get('synced-00001')).toMatchObject({ priority: 0, title: 'edited offline' });
    expect(onServer.get('synced-00002')).toMatchObject({ priority: null });
    const local = await upgraded.collections.todo.findOne('synced-00002').exec();
    expect(local?.toJSON()).toMatchObject({ priority: 0 });
  }, IN_SYNC > 200 ? 300_000 : undefined);
});
