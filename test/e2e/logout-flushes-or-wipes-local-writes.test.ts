import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, todoClient, todos, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// logout({ flushTimeoutMs }) pushes what it can within the bound and reports what stayed local
// (kept on the device for the user's return); logout({ wipe: true }) deletes that user's database.
describe('logout', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  let client: TodoClient;

  beforeAll(async () => {
    server = await startE2EServer();
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
    client = todoClient(server, { graphql: { url: `${proxy.origin}/graphql`, timeoutMs: 1_000 } });
    await client.start();
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  const login = async () => {
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
  };

  it('flushes within the bound, reports what stayed, and keeps it for the next login', async () => {
    await login();
    await client.collections.todo.bulkInsert(todos(5, 'flushed'));
    expect(await client.logout({ flushTimeoutMs: 10_000 })).toEqual({ pendingWrites: { todo: { count: 0, oldestAgeMs: null } } });
    expect([...(await serverIds(server, user.userId)).keys()].filter((id) => id.startsWith('flushed'))).toHaveLength(5);
    expect(client.status).toMatchObject({ session: 'loggedOut', sync: 'off' });
    expect(() => client.collections).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));

    await login();
    proxy.setMode({ kind: 'refuse' });
    await client.collections.todo.bulkInsert(todos(10, 'stuck'));
    await untilStatus(client, (s) => s.sync === 'offline', 'offline');
    const { pendingWrites } = await client.logout({ flushTimeoutMs: 200 });
    expect(pendingWrites.todo?.count).toBe(10);
    expect(pendingWrites.todo?.oldestAgeMs).toBeGreaterThanOrEqual(0);

    proxy.setMode({ kind: 'pass' });
    await login();
    expect([...(await serverIds(server, user.userId)).keys()].filter((id) => id.startsWith('stuck'))).toHaveLength(10);
  });

  it('with wipe, deletes the local database: unsent writes are gone, server data is pulled again', async () => {
    await untilStatus(client, (s) => s.session === 'active', 'signed in');
    proxy.setMode({ kind: 'refuse' });
    await client.collections.todo.bulkInsert(todos(7, 'wiped'));
    const { pendingWrites } = await client.logout({ wipe: true });
    expect(pendingWrites.todo?.count).toBe(7);

    proxy.setMode({ kind: 'pass' });
    await login();
    expect(client.status.initialSync).toEqual({ pulled: 15, done: true });
    expect((await client.collections.todo.find().exec()).map((d) => d.id as string).filter((id) => id.startsWith('wiped'))).toEqual([]);
    expect([...(await serverIds(server, user.userId)).keys()].filter((id) => id.startsWith('wiped'))).toEqual([]);
  });
});
