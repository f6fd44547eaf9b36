import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { openUserDatabase, userDatabaseName } from '../../src/sync/user-database.ts';
import { todoSchema } from './support/sync-fixture.ts';

describe('one database per user', () => {
  it('is named from a stable digest of the user id, never the id itself', async () => {
    const a = await userDatabaseName('todo-app', 'user-a@example.com');
    expect(a).toMatch(/^todo-app-[0-9a-f]{16}$/);
    expect(a).not.toContain('user-a');
    expect(await userDatabaseName('todo-app', 'user-a@example.com')).toBe(a);
    expect(await userDatabaseName('todo-app', 'user-b@example.com')).not.toBe(a);
  });

  it('keeps each user’s documents apart on one storage', async () => {
    const storage = getRxStorageMemory();
    const collections = { todo: { schema: todoSchema } };
    const a = await openUserDatabase({ storage, databaseName: `per-user-${process.pid}`, userId: 'a', collections, multiInstance: false });
    const b = await openUserDatabase({ storage, databaseName: `per-user-${process.pid}`, userId: 'b', collections, multiInstance: false });
    await a.collections.todo!.insert({ id: 't1', title: 'a’s', done: false });
    expect(await b.collections.todo!.count().exec()).toBe(0);
    expect(Object.keys(a.collections).sort()).toEqual(['sync_rejected', 'todo']);
    await a.close();
    await b.close();
  });

  it('refuses an app collection named like the internal one', async () => {
    await expect(
      openUserDatabase({ storage: getRxStorageMemory(), databaseName: 'x', userId: 'a', collections: { sync_rejected: { schema: todoSchema } }, multiInstance: false }),
    ).rejects.toThrow(/reserved/);
  });
});
