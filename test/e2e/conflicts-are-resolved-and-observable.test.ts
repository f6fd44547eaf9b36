import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RxConflictHandler } from 'rxdb';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncConflict } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, signIn, startE2EServer, todoClient, todoSchema, until, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// Two devices edit the same document; the one that was offline pushes a stale edit. The server
// reports the conflict, the collection's handler resolves it (server wins by default; a custom
// handler can merge), and the app sees every conflict on client.conflicts$.
describe('conflicts', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  const clients: TodoClient[] = [];

  const device = async (conflictHandler?: RxConflictHandler<any>, viaProxy = false): Promise<TodoClient> => {
    const client = todoClient(server, {
      ...(viaProxy ? { graphql: { url: `${proxy.origin}/graphql`, wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`, timeoutMs: 1_000 } } : {}),
      collections: { todo: conflictHandler ? { schema: todoSchema, conflictHandler } : { schema: todoSchema } },
    });
    clients.push(client);
    await signIn(client, user);
    return client;
  };

  beforeAll(async () => {
    server = await startE2EServer();
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await proxy?.close();
    await server?.close();
  });

  const editWhileOffline = async (offline: TodoClient, online: TodoClient, id: string) => {
    await online.collections.todo.insert({ id, title: 'first', done: false });
    await online.awaitInSync();
    await until(offline.collections.todo.findOne(id).$, (d) => d !== null, `${id} reaches the other device`);
    proxy.setMode({ kind: 'refuse' });
    await (await offline.collections.todo.findOne(id).exec())!.patch({ title: 'offline edit' });
    await untilStatus(offline, (s) => s.sync === 'offline', 'offline');
    await (await online.collections.todo.findOne(id).exec())!.patch({ title: 'online edit' });
    await online.awaitInSync();
    proxy.setMode({ kind: 'pass' });
    await offline.awaitInSync();
  };

  it('server wins by default, and the conflict is emitted', async () => {
    const online = await device();
    const offline = await device(undefined, true);
    const seen: SyncConflict[] = [];
    const sub = offline.conflicts$.subscribe((c) => seen.push(c));
    await editWhileOffline(offline, online, 'c1');
    sub.unsubscribe();

    expect((await offline.collections.todo.findOne('c1').exec())!.get('title')).toBe('online edit');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ collection: 'todo', output: expect.objectContaining({ title: 'online edit' }) });
  });

  it('a custom handler decides, and its result reaches the server', async () => {
    const merge: RxConflictHandler<any> = {
      isEqual: (a, b) => a.title === b.title && a.done === b.done && a._deleted === b._deleted,
      resolve: async ({ newDocumentState, realMasterState }) => ({ ...realMasterState, title: `${realMasterState.title} + ${newDocumentState.title}` }),
    };
    const online = await device();
    const offline = await device(merge, true);
    await editWhileOffline(offline, online, 'c2');
    await until(online.collections.todo.findOne('c2').$, (d) => d?.get('title') === 'online edit + offline edit', 'merged title everywhere');
    const onServer = (await server.readDocuments(user.userId, 'todo')).find((d) => d.id === 'c2');
    expect(onServer?.title).toBe('online edit + offline edit');
  });
});
