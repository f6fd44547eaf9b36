import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// The dexie lane (IndexedDB, here fake-indexeddb, which outlives a database close): an outbox
// left by one run is pushed by the next exactly once, from the stored checkpoints.
describe('a restart with a pending outbox', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });
  const databaseName = `restart-${process.pid}`;
  let device: Device | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('pushes what the previous run left, once, without pulling everything again', async () => {
    const first = await openDevice(server, tokens, { storage, databaseName });
    await first.sync.resume();
    await first.db.collections.todo!.bulkInsert(todos(20, 'synced'));
    await first.sync.awaitInSync();
    await first.sync.pause();
    await first.db.collections.todo!.bulkInsert(todos(100, 'outbox'));
    await first.close();
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(20);
    const before = server.stats();

    device = await openDevice(server, tokens, { storage, databaseName });
    expect((await device.sync.pendingWrites()).todo!.count).toBe(100);
    const received: string[] = [];
    const sub = device.sync.collections.todo!.rxReplication.received$.subscribe((doc) => received.push(doc.id));
    await device.sync.resume();
    await device.sync.awaitInSync();
    sub.unsubscribe();

    const onServer = await server.readDocuments(tokens.userId, 'todo');
    expect(onServer).toHaveLength(120);
    expect(server.stats().pushedDocuments - before.pushedDocuments).toBe(100);
    expect(received.filter((id) => id.startsWith('synced'))).toEqual([]);
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);
  });
});
