import { describe, expect, it } from 'vitest';
import { untilStatus } from '../../src/testing/index.ts';
import { loginRaw, pullTodo, pushTodo, signedInKitClient } from './support/kit-fixtures.ts';

// failBatches fails whole pushes (or pulls) with a status or a GraphQL error, `count` times; the
// client keeps its writes, shows the error, and pushes them once the server recovers.
describe('failBatches', () => {
  const user = { username: 'gus@example.com', password: 'pw-gus-1' };
  const stage = signedInKitClient(user);

  it('answers a status or a GraphQL error, for pushes by default or pulls when asked', async () => {
    const token = (await loginRaw(stage.server, user.username, user.password)).json.access_token as string;
    stage.server.failBatches({ status: 503, count: 1 });
    expect((await pullTodo(stage.server, token, null)).status).toBe(200);
    expect((await pushTodo(stage.server, token, [{ newDocumentState: { id: 'x', title: 'x', done: false, deleted: false } }])).status).toBe(503);
    stage.server.failBatches({ graphqlError: { message: 'database on fire', code: 'INTERNAL_SERVER_ERROR' }, count: 1, operation: 'pull' });
    const failed = await pullTodo(stage.server, token, null);
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({ data: null, errors: [{ message: 'database on fire', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(stage.server.stats().failedBatches).toBe(2);
    expect(await stage.server.readDocuments(stage.userId, 'todo')).toEqual([]);
  });

  it('keeps the writes until the server recovers, then pushes them once', async () => {
    const before = stage.server.stats().failedBatches;
    stage.server.failBatches({ status: 500, count: 3 });
    await stage.client.collections.todo.bulkInsert([{ id: 'f1', title: 'a', done: false }, { id: 'f2', title: 'b', done: false }]);
    await untilStatus(stage.client, (s) => s.syncError !== null, { what: 'a sync error' });
    await stage.client.awaitInSync();
    expect(stage.server.stats().failedBatches - before).toBe(3);
    expect((await stage.server.readDocuments(stage.userId, 'todo')).map((d) => d.id)).toEqual(['f1', 'f2']);
    await untilStatus(stage.client, (s) => s.pendingWrites === 0 && s.syncError === null, { what: 'in sync, no error' });
  });
});
