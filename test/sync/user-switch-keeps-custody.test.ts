import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { userDatabaseName } from '../../src/sync/user-database.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// User B logs in on a device where user A has pending writes: none of A's writes reach the
// server under B (each user has their own database), and they are pushed when A comes back.
describe('switching users on one device', () => {
  let server: SyncServer;
  let alice: TestTokenSource & { username: string; password: string };
  let bob: TestTokenSource;
  const storage = getRxStorageMemory();
  const databaseName = `shared-device-${process.pid}`;
  const open: Device[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    alice = await TestTokenSource.forNewUser(server);
    bob = await TestTokenSource.forNewUser(server);
  }, SERVER_START_MS);

  afterAll(async () => {
    for (const device of open) await device.close().catch(() => {});
    await server?.close();
  });

  const openAs = async (tokens: TestTokenSource): Promise<Device> => {
    const device = await openDevice(server, tokens, { storage, databaseName });
    open.push(device);
    return device;
  };

  it('keeps A’s backlog out of B’s session and pushes it when A returns', async () => {
    expect(await userDatabaseName(databaseName, alice.userId)).not.toBe(await userDatabaseName(databaseName, bob.userId));

    const a = await openAs(alice);
    await a.sync.resume();
    await a.sync.awaitInSync();
    await a.sync.pause();
    alice.expireSession();
    await a.db.collections.todo!.bulkInsert(todos(30, 'alice'));
    expect((await a.sync.pendingWrites()).todo).toMatchObject({ count: 30 });
    await a.close();

    const b = await openAs(bob);
    expect(await b.db.collections.todo!.count().exec()).toBe(0);
    await b.sync.resume();
    await b.db.collections.todo!.bulkInsert(todos(5, 'bob'));
    await b.sync.awaitInSync();
    await b.close();

    const bobsDocs = await server.readDocuments(bob.userId, 'todo');
    expect(bobsDocs.map((d) => d.id).sort()).toEqual(todos(5, 'bob').map((t) => t.id));
    expect(await server.readDocuments(alice.userId, 'todo')).toHaveLength(0);

    await alice.relogin(alice.username, alice.password);
    const again = await openAs(alice);
    expect((await again.sync.pendingWrites()).todo).toMatchObject({ count: 30 });
    await again.sync.resume();
    await again.sync.awaitInSync();
    const alicesDocs = await server.readDocuments(alice.userId, 'todo');
    expect(alicesDocs.map((d) => d.id).sort()).toEqual(todos(30, 'alice').map((t) => t.id));
    expect(await again.db.collections.todo!.count().exec()).toBe(30);
  });
});
