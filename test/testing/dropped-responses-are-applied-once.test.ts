import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, untilStatus, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, type TodoClient } from './support/kit-fixtures.ts';

// dropResponses applies a request and cuts the connection instead of answering: the client never
// hears back, sends the push again, and the server holds each document once, with no conflict.
describe('dropResponses', () => {
  let server: InMemoryServer;
  let client: TodoClient;
  let userId: string;
  const user = { username: 'hal@example.com', password: 'pw-hal-1' };
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

  it('applies the push, drops its answer, and the retry is applied once', async () => {
    const before = server.stats();
    server.dropResponses(1);
    await client.collections.todo.insert({ id: 'd1', title: 'once', done: false });
    await client.awaitInSync();
    await untilStatus(client, (s) => s.pendingWrites === 0, { what: 'outbox drained' });
    const after = server.stats();
    expect(after.droppedResponses - before.droppedResponses).toBe(1);
    expect(after.conflicts).toBe(before.conflicts);
    expect(after.pushedDocuments - before.pushedDocuments).toBe(1);
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['d1']);
  });
});
