import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, untilStatus, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, loginRaw, pullTodo, pushTodo, type TodoClient } from './support/kit-fixtures.ts';

// failBatches fails whole pushes (or pulls) with a status or a GraphQL error, `count` times; the
// client keeps its writes, shows the error, and pushes them once the server recovers.
describe('failBatches', () => {
  let server: InMemoryServer;
  let client: TodoClient;
  let userId: string;
  const user = { username: 'gus@example.com', password: 'pw-gus-1' };
  beforeAll(async () => {
    server = await startInMemoryServer();
    ({ userId } = await server.createUser(user));
    client = kitClient(server);
    await client.start();
    await client.login(user);
    await client.awaitInSync();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('answers a status or a GraphQL error, for pushes by default or pulls when asked', async () => {
    const token = (await loginRaw(server, user.username, user.password)).json.access_token as string;
    server.failBatches({ status: 503, count: 1 });
    expect((await pullTodo(server, token, null)).status).toBe(200);
    expect((await pushTodo(server, token, [{ newDocumentState: { id: 'x', title: 'x', done: false, deleted: false } }])).status).toBe(503);
    server.failBatches({ graphqlError: { message: 'database on fire', code: 'INTERNAL_SERVER_ERROR' }, count: 1, operation: 'pull' });
    const failed = await pullTodo(server, token, null);
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({ data: null, errors: [{ message: 'database on fire', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(server.stats().failedBatches).toBe(2);
    expect(await server.readDocuments(userId, 'todo')).toEqual([]);
  });

  it('keeps the writes until the server recovers, then pushes them once', async () => {
    const before = server.stats().failedBatches;
    server.failBatches({ status: 500, count: 3 });
    await client.collections.todo.bulkInsert([{ id: 'f1', title: 'a', done: false }, { id: 'f2', title: 'b', done: false }]);
    await untilStatus(client, (s) => s.syncError !== null, { what: 'a sync error' });
    await client.awaitInSync();
    expect(server.stats().failedBatches - before).toBe(3);
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['f1', 'f2']);
    await untilStatus(client, (s) => s.pendingWrites === 0 && s.syncError === null, { what: 'in sync, no error' });
  });
});
