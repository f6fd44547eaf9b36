import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import type { SyncClientOptions } from '../../src/client/sync-client-options.ts';
import { isSessionError } from '../../src/errors/session-error.ts';

// Sync options are checked when the client is created, each error naming the option at fault;
// without collections the client is a session-only client whose sync status is 'off'.
const auth = { login: async () => ({ accessToken: 'x' }), refresh: async () => ({ accessToken: 'x' }) };
const schema = { version: 0, primaryKey: 'id', type: 'object', properties: { id: { type: 'string', maxLength: 10 } } };
const graphql = { url: 'http://127.0.0.1:9/graphql' };
const base = { auth, graphql, storage: getRxStorageMemory(), databaseName: 'todo-app', collections: { todo: { schema } } };

describe('sync option validation', () => {
  it.each([
    ['collections', { auth, graphql, storage: base.storage, databaseName: 'app' }],
    ['collections', { ...base, collections: {} }],
    ['collections.todo.schema', { ...base, collections: { todo: {} } }],
    ['collections.sync_rejected', { ...base, collections: { sync_rejected: { schema } } }],
    ['collections.Todo', { ...base, collections: { Todo: { schema } } }],
    ['collections.todo.graphql', { ...base, collections: { todo: { schema, graphql: { pull: 'x' } } } }],
    ['collections.todo.conflictHandler', { ...base, collections: { todo: { schema, conflictHandler: () => 0 } } }],
    ['collections.todo.migrationStrategies', { ...base, collections: { todo: { schema: { ...schema, version: 2 }, migrationStrategies: { 1: (d: unknown) => d } } } }],
    ['collections.todo.migrationStrategies.3', { ...base, collections: { todo: { schema: { ...schema, version: 1 }, migrationStrategies: { 1: (d: unknown) => d, 3: (d: unknown) => d } } } }],
    ['collections.todo.autoMigrate', { ...base, collections: { todo: { schema, autoMigrate: false } } }],
    ['collections.todo.name', { ...base, collections: { todo: { schema, name: 'other' } } }],
    ['collections.todo.storageInstance', { ...base, collections: { todo: { schema, storageInstance: {} } } }],
    ['collections.todo.schema.properties.deleted', { ...base, collections: { todo: { schema: { ...schema, properties: { ...schema.properties, deleted: { type: 'boolean' } } } } } }],
    ['collections.todo.schema.primaryKey', { ...base, collections: { todo: { schema: { ...schema, primaryKey: 'key', properties: { key: { type: 'string', maxLength: 10 } } } } } }],
    ['collections.todo.methods', { ...base, collections: { todo: { schema, methods: { label: 'x' } } } }],
    ['collections.todo.schemaVersionOf', { ...base, collections: { todo: { schema, schemaVersionOf: 1 } } }],
    ['storage', { ...base, storage: {} }],
    ['databaseName', { ...base, databaseName: 'Todo App' }],
    ['graphql', { ...base, graphql: undefined }],
    ['sync.pullBatchSize', { ...base, sync: { pullBatchSize: 0 } }],
    ['sync.pushBatchSize', { ...base, sync: { pushBatchSize: 1.5 } }],
    ['sync.pullIntervalMs', { ...base, sync: { pullIntervalMs: -1 } }],
    ['sync.stalledAfterMs', { ...base, sync: { stalledAfterMs: Number.NaN } }],
    ['sync.multiInstance', { ...base, sync: { multiInstance: 'no' } }],
    ['sync.waitForLeadership', { ...base, sync: { waitForLeadership: 1 } }],
    ['sync.webSocketImpl', { ...base, sync: { webSocketImpl: {} } }],
  ])('rejects a bad %s with INVALID_OPTION naming it', (option, options) => {
    let error: unknown;
    try {
      createSyncClient(options as unknown as SyncClientOptions);
    } catch (e) {
      error = e;
    }
    expect(isSessionError(error, 'INVALID_OPTION')).toBe(true);
    expect((error as Error).message).toContain(`options.${option}:`);
  });

  it('accepts a complete sync configuration without doing any I/O', async () => {
    const client = createSyncClient({ ...base, sync: { pullBatchSize: 200, multiInstance: false } });
    expect(client.status).toMatchObject({ session: 'restoring', sync: 'off', pendingWrites: 0, rejected: 0 });
    await client.close();
  });

  it('accepts the RxDB collection options that leave sync intact', async () => {
    const todo = {
      schema: { ...schema, version: 1 }, migrationStrategies: { 1: (d: unknown) => d }, autoMigrate: true as const,
      schemaVersionOf: () => 1, methods: { label: () => 'x' }, statics: { all: () => [] }, localDocuments: true, options: {},
    };
    const client = createSyncClient({ ...base, collections: { todo }, sync: { multiInstance: false } });
    await client.close();
  });

  it('without a signed-in user, collections and awaitInSync fail with NOT_LOGGED_IN', async () => {
    const client = createSyncClient({ ...base, sync: { multiInstance: false }, wakeSignals: false });
    await client.start();
    expect(client.status).toMatchObject({ session: 'loggedOut', sync: 'off' });
    expect(() => client.collections).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));
    await expect(client.ready()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
    await expect(client.awaitInSync()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
    await client.close();
  });
});
