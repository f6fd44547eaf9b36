// Fixtures of the testing kit's own tests: a todo client of an in-memory server, and raw calls of
// the wire protocol (the default operations, as the client sends them).
import type { RxJsonSchema } from 'rxdb';
import { afterAll, beforeAll } from 'vitest';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { appServicesAuth, createSyncClient, defaultOperations, type SyncClient, type SyncClientOptions } from '../../../src/index.ts';
import { startInMemoryServer, type InMemoryServer } from '../../../src/testing/index.ts';

export const todoSchema: RxJsonSchema<any> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, title: { type: 'string' }, done: { type: 'boolean' }, updatedAt: { type: 'number' } },
  required: ['id', 'title', 'done'],
};

export const todoOps = defaultOperations('todo', todoSchema);

export type TodoClient = SyncClient<{ todo: { schema: RxJsonSchema<any> } }>;

let databases = 0;

/** A polling todo client of `server` with fast retries. */
export function kitClient(server: InMemoryServer, overrides: Partial<SyncClientOptions<{ todo: { schema: RxJsonSchema<any> } }>> = {}): TodoClient {
  return createSyncClient({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, timeoutMs: 1_000 },
    storage: getRxStorageMemory(),
    databaseName: `kit${process.pid}n${++databases}`,
    collections: { todo: { schema: todoSchema } },
    wakeSignals: false,
    ...overrides,
    sync: { pullIntervalMs: 200, retry: { baseMs: 50, maxMs: 200 }, multiInstance: false, ...overrides.sync },
  });
}

/** Logs in over HTTP as the client's adapter does; the login response's JSON. */
export async function loginRaw(server: InMemoryServer, username: string, password: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.authUrl}/app/${server.appId}/auth/providers/local-userpass/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, json: await res.json() };
}

/** One GraphQL request with a bearer token. */
export async function graphqlRaw(server: InMemoryServer, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { data?: any; errors?: any[] } };
}

/** `pullTodo` from `checkpoint`. */
export const pullTodo = (server: InMemoryServer, token: string, checkpoint: unknown, limit = 100) =>
  graphqlRaw(server, token, todoOps.pull.query, todoOps.pull.variables(checkpoint, limit));

/** `pushTodo` of `rows`. */
export const pushTodo = (server: InMemoryServer, token: string, rows: Parameters<typeof todoOps.push.variables>[0]) =>
  graphqlRaw(server, token, todoOps.push.query, todoOps.push.variables(rows));

/** A kit server and a client signed in as `user` and in sync, for the tests of one file (started before them, closed after). */
export function signedInKitClient(user: { username: string; password: string }): { readonly server: InMemoryServer; readonly client: TodoClient; readonly userId: string } {
  const stage = {} as { server: InMemoryServer; client: TodoClient; userId: string };
  beforeAll(async () => {
    stage.server = await startInMemoryServer();
    ({ userId: stage.userId } = await stage.server.createUser(user));
    stage.client = kitClient(stage.server);
    await stage.client.start();
    await stage.client.login(user);
    await stage.client.awaitInSync();
  });
  afterAll(async () => {
    await stage.client?.close();
    await stage.server?.close();
  });
  return stage;
}
