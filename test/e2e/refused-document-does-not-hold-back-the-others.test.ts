import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { RejectedDocument } from '../../src/index.ts';
import { createTestUser, serverIds, signIn, startE2EServer, todoClient, todos, until, untilStatus, type TodoClient } from './support/e2e-client.ts';

// A document the server refuses (BAD_USER_INPUT: its title holds a NUL character, which the database
// cannot store) is set aside with its reason, shows in status.rejected and client.rejected$, and the
// rest of the outbox flows on.
// The app can retry it (refused again here) or discard it.
describe('a refused document', () => {
  let server: SyncServer;
  let client: TodoClient;
  let userId: string;

  beforeAll(async () => {
    server = await startE2EServer();
    const user = await createTestUser(server);
    userId = user.userId;
    client = todoClient(server);
    await signIn(client, user);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('is set aside with its reason while the others reach the server', async () => {
    const rows = todos(40, 'mine');
    await client.collections.todo.bulkInsert([...rows.slice(0, 20), { id: 'nul-1', title: 'milk\u0000eggs', done: false }, ...rows.slice(20)]);

    const rejected = await until(client.rejected$, (list) => list.length === 1, 'one refused document');
    expect(rejected[0]).toMatchObject({ collection: 'todo', documentId: 'nul-1', code: 'BAD_USER_INPUT' } satisfies Partial<RejectedDocument>);
    expect(rejected[0]!.reason).toContain('field "title" contains a NUL character');
    await client.awaitInSync();
    const mine = await serverIds(server, userId);
    expect([...mine.keys()].sort()).toEqual(rows.map((r) => r.id));
    const status = await untilStatus(client, (s) => s.rejected === 1 && s.pendingWrites === 0, 'rejected 1, outbox empty');
    expect(status.sync).toBe('running');

    // Later writes are not held back either.
    await client.collections.todo.insert({ id: 'after-1', title: 'later', done: false });
    await client.awaitInSync();
    expect((await serverIds(server, userId)).has('after-1')).toBe(true);

    expect(await client.retryRejected('todo', 'nul-1')).toBe('rejected');
    await client.discardRejected('todo', 'nul-1');
    await until(client.rejected$, (list) => list.length === 0, 'nothing refused');
    await untilStatus(client, (s) => s.rejected === 0, 'status.rejected back to 0');
    expect(await client.collections.todo.findOne('nul-1').exec()).toBeNull();
  });
});
