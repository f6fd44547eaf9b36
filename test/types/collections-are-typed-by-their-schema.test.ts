import type { RxCollection, RxDocument, RxJsonSchema } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expectTypeOf, it } from 'vitest';
import { createSyncClient, type SyncClient, type SyncCollectionOptions, type UserCollections } from '../../src/index.ts';

// Type tests: `npm run typecheck` (tsc over test/) fails if these types drift, and each
// `@ts-expect-error` fails if the line below it ever compiles. At run time the bodies only build a
// client (no I/O) and never touch its collections.
interface Todo {
  id: string;
  title: string;
  done: boolean;
  updatedAt?: number;
}

const todoSchema: RxJsonSchema<Todo> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 100 },
    title: { type: 'string' },
    done: { type: 'boolean' },
    updatedAt: { type: 'number' },
  },
  required: ['id', 'title', 'done'],
};
const untypedSchema: RxJsonSchema<any> = { ...todoSchema };

const auth = { login: async () => ({ accessToken: 'x' }), refresh: async () => ({ accessToken: 'x' }) };
const options = { auth, graphql: { url: 'http://127.0.0.1:9/graphql' }, storage: getRxStorageMemory(), databaseName: 'todo-app' };

describe('collections are typed by their schema', () => {
  it('a typed schema makes client.collections.todo an RxCollection<Todo>', async () => {
    const client = createSyncClient({ ...options, collections: { todo: { schema: todoSchema } } });
    expectTypeOf<typeof client.collections.todo>().toEqualTypeOf<RxCollection<Todo>>();
    expectTypeOf<Awaited<ReturnType<typeof client.ready>>['todo']>().toEqualTypeOf<RxCollection<Todo>>();
    await client.close();
  });

  it('a wrong field type, a missing field or an unknown collection does not compile', async () => {
    const client = createSyncClient({ ...options, collections: { todo: { schema: todoSchema } } });
    const neverCalled = async (): Promise<void> => {
      await client.collections.todo.insert({ id: 't1', title: 'milk', done: false });
      // @ts-expect-error title is a string
      await client.collections.todo.insert({ id: 't2', title: 42, done: false });
      // @ts-expect-error done is required
      await client.collections.todo.insert({ id: 't3', title: 'bread' });
      const doc = await client.collections.todo.findOne('t1').exec();
      expectTypeOf(doc).toEqualTypeOf<RxDocument<Todo> | null>();
      expectTypeOf(doc?.title).toEqualTypeOf<string | undefined>();
      // @ts-expect-error no collection named note was configured
      void client.collections.note;
    };
    expectTypeOf(neverCalled).returns.resolves.toBeVoid();
    await client.close();
  });

  it('an untyped schema keeps RxCollection<any>, as before', async () => {
    const client = createSyncClient({ ...options, collections: { todo: { schema: untypedSchema } } });
    expectTypeOf<typeof client.collections.todo>().toEqualTypeOf<RxCollection<any>>();
    await client.close();
  });

  it('several collections are typed one by one, and the option types say the same', () => {
    interface Note {
      id: string;
      body: string;
    }
    const noteSchema: RxJsonSchema<Note> = {
      version: 0,
      primaryKey: 'id',
      type: 'object',
      properties: { id: { type: 'string', maxLength: 100 }, body: { type: 'string' } },
      required: ['id', 'body'],
    };
    const collections = { todo: { schema: todoSchema }, note: { schema: noteSchema } };
    expectTypeOf<UserCollections<typeof collections>>().toEqualTypeOf<{ todo: RxCollection<Todo>; note: RxCollection<Note> }>();
    expectTypeOf<SyncClient<{ todo: SyncCollectionOptions<Todo> }>['collections']['todo']>().toEqualTypeOf<RxCollection<Todo>>();
    // @ts-expect-error a conflict handler must handle the schema's documents
    const wrongHandler: SyncCollectionOptions<Todo> = { schema: todoSchema, conflictHandler: { isEqual: (a: Note, b: Note) => a.body === b.body, resolve: async (i: { newDocumentState: Note }) => i.newDocumentState } };
    void wrongHandler;
  });
});
