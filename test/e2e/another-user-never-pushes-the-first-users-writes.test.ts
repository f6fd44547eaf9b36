import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import {
  createTestUser, serverIds, startE2EServer, todoClient, todos, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// Custody: A's session expires with writes pending; B logs in on the same device. B gets their own
// database: none of A's writes reach the server under B. When A logs back in, A's backlog (kept
// in A's database on the device) is pushed under A.
describe('another user logging in on a device with pending writes', () => {
  let server: SyncServer;
  let ann: TestUser;
  let bob: TestUser;
  let client: TodoClient;

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 2 });
    ann = await createTestUser(server);
    bob = await createTestUser(server);
    client = todoClient(server);
    await client.start();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('keeps the first user\'s writes for that user', async () => {
    await client.login({ username: ann.username, password: ann.password });
    await client.awaitInSync();
    await server.revokeSessions(ann.userId);
    await untilStatus(client, (s) => s.session === 'refreshExpired' && s.sync === 'paused', 'ann expired');
    await client.collections.todo.bulkInsert(todos(200, 'ann'));
    await untilStatus(client, (s) => s.pendingWrites === 200, 'ann has 200 pending');

    await client.login({ username: bob.username, password: bob.password });
    expect(client.status).toMatchObject({ session: 'active', userId: bob.userId });
    // Bob's own, empty database: Ann's documents are not even visible to him.
    expect(await client.collections.todo.count().exec()).toBe(0);
    await client.collections.todo.bulkInsert(todos(30, 'bob'));
    await client.awaitInSync();

    expect([...(await serverIds(server, bob.userId)).keys()].sort()).toEqual(todos(30, 'bob').map((t) => t.id));
    expect((await serverIds(server, ann.userId)).size).toBe(0);

    await client.login({ username: ann.username, password: ann.password });
    expect(client.status.userId).toBe(ann.userId);
    await client.awaitInSync();
    const annOnServer = await serverIds(server, ann.userId);
    expect([...annOnServer.keys()].sort()).toEqual(todos(200, 'ann').map((t) => t.id));
    expect([...annOnServer.values()].every((n) => n === 1)).toBe(true);
    expect((await serverIds(server, bob.userId)).size).toBe(30);
    expect(await client.collections.todo.count().exec()).toBe(200);
  });
});
