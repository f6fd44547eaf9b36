import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import {
  createTestUser, eventually, signIn, startE2EServer, todoClient, type TestUser, type TodoClient,
} from './support/e2e-client.ts';
import { countingFetch, serverCollectionsV1, todoV0, todoV1 } from './support/upgrade-fixtures.ts';

// A rollout: one device of the user already runs the app's version 1, another still runs version 0.
// What the old device writes reaches the new one in the old shape (no priority) and is migrated on
// the way in, by the same strategy as local data; it is not pushed back. An edit from the old device
// does not erase the priority the new device set: the server keeps an optional field a push leaves out.
describe.each([
  ['memory', (): RxStorage<any, any> => getRxStorageMemory()],
  ['dexie', (): RxStorage<any, any> => getRxStorageDexie({ indexedDB, IDBKeyRange })],
])('mixed app versions (%s storage)', (_lane, storageOf) => {
  let server: SyncServer;
  let user: TestUser;
  let oldDevice: TodoClient;
  let newDevice: TodoClient;
  const wire = countingFetch();

  beforeAll(async () => {
    server = await startE2EServer({ collections: serverCollectionsV1 });
    user = await createTestUser(server);
    oldDevice = todoClient(server, { storage: storageOf(), collections: { todo: todoV0 } });
    newDevice = todoClient(server, {
      storage: storageOf(), fetch: wire.fetch,
      collections: { todo: { ...todoV1, statics: { urgent() { return 2; } }, methods: { label(this: { title: string }) { return `• ${this.title}`; } } } },
    });
    await signIn(oldDevice, user);
    await signIn(newDevice, user);
  });

  afterAll(async () => {
    await oldDevice?.close();
    await newDevice?.close();
    await server?.close();
  });

  it('migrates an old-shape document from the server on pull and does not push it back', async () => {
    await oldDevice.collections.todo.insert({ id: 'from-old', title: 'written on v0', done: false });
    await oldDevice.awaitInSync();
    await eventually(async () => (await newDevice.collections.todo.findOne('from-old').exec()) !== null, 'the document on the new device');
    const local = await newDevice.collections.todo.findOne('from-old').exec();
    expect(local!.toJSON()).toMatchObject({ title: 'written on v0', priority: 0 });
    // Methods and statics pass through to RxDB.
    expect((local as unknown as { label(): string }).label()).toBe('• written on v0');
    expect((newDevice.collections.todo as unknown as { urgent(): number }).urgent()).toBe(2);
    await newDevice.awaitInSync();
    expect(wire.pushedRows.has('from-old')).toBe(false);
    expect((await newDevice.pendingWrites()).todo?.count).toBe(0);
  });

  it('keeps the new field when the old device edits the document', async () => {
    await newDevice.collections.todo.insert({ id: 'shared', title: 'first', done: false, priority: 3 });
    await newDevice.awaitInSync();
    await eventually(async () => (await oldDevice.collections.todo.findOne('shared').exec()) !== null, 'the document on the old device');
    const onOld = await oldDevice.collections.todo.findOne('shared').exec();
    await onOld!.incrementalPatch({ done: true });
    await oldDevice.awaitInSync();
    await eventually(async () => (await newDevice.collections.todo.findOne('shared').exec())?.done === true, 'the edit on the new device');
    const onServer = (await server.readDocuments(user.userId, 'todo')).find((doc) => doc.id === 'shared');
    expect(onServer).toMatchObject({ done: true, priority: 3 });
    expect((await newDevice.collections.todo.findOne('shared').exec())!.toJSON()).toMatchObject({ done: true, priority: 3 });
  });
});
