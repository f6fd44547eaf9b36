import { afterAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { createTestUser, signIn, startE2EServer, todoClient, todos, type TodoClient } from './support/e2e-client.ts';
import { serverCollectionsV1, todoV0, todoV1 } from './support/upgrade-fixtures.ts';

// The reference server restarts on the same data with a collections config that adds `priority`
// as an optional field: the documents stored before are still served (with priority null, which the
// client drops, and its schemaVersionOf migrates), and new documents carry the field.
describe('a server collection that gains an optional field', () => {
  const clients: TodoClient[] = [];
  let server: SyncServer | undefined;
  let dir: Awaited<ReturnType<typeof freshPgliteDir>> | undefined;

  afterAll(async () => {
    for (const client of clients) await client.close();
    await server?.close();
    await dir?.remove();
  });

  it('keeps serving the old documents and stores the new field', async () => {
    dir = await freshPgliteDir();
    server = await startE2EServer({ dataDir: dir.dir });
    const user = await createTestUser(server);
    const before = todoClient(server, { collections: { todo: todoV0 } });
    clients.push(before);
    await signIn(before, user);
    await before.collections.todo.bulkInsert(todos(3, 'old'));
    await before.awaitInSync();
    await before.close();
    await server.close();

    server = await startE2EServer({ dataDir: dir.dir, collections: serverCollectionsV1 });
    const stored = await server.readDocuments(user.userId, 'todo');
    expect(stored.map((doc) => [doc.id, doc.title, doc.priority])).toEqual([
      ['old-00000', 'todo 0', null], ['old-00001', 'todo 1', null], ['old-00002', 'todo 2', null],
    ]);

    const after = todoClient(server, { collections: { todo: todoV1 } });
    clients.push(after);
    await signIn(after, user);
    const pulled = (await after.collections.todo.find().exec()).map((doc) => doc.toJSON());
    expect(pulled).toHaveLength(3);
    expect(pulled.every((doc) => doc.priority === 0)).toBe(true);
    await after.collections.todo.insert({ id: 'new', title: 'with a priority', done: false, priority: 2 });
    await after.awaitInSync();
    expect((await server.readDocuments(user.userId, 'todo')).find((doc) => doc.id === 'new')).toMatchObject({ priority: 2 });
  });
});
