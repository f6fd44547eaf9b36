import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth, createSyncClient } from '../../src/index.ts';
import type { ClientSyncState, SyncClientOptions } from '../../src/index.ts';
import {
  createTestUser, eventually, startE2EServer, todoSchema, uniqueDatabaseName, until,
  type TestUser, type TodoClient, type TodoCollections,
} from './support/e2e-client.ts';

// The defaults are the product: on any Node (20 has no globalThis.WebSocket) two devices created as the
// README's Sync snippet creates them — no `sync` options at all, so no webSocketImpl and no
// multiInstance — sync through the live stream, with no leader election and no process handlers.
const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection'] as const;

function defaultsClient(server: SyncServer, extra: Pick<SyncClientOptions<TodoCollections>, 'sync' | 'fetch'> = {}): TodoClient {
  return createSyncClient<TodoCollections>({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    storage: getRxStorageMemory(),
    databaseName: uniqueDatabaseName(),
    collections: { todo: { schema: todoSchema } },
    wakeSignals: false,
    ...extra,
  });
}

describe('sync on Node with no sync options', () => {
  let server: SyncServer;
  let user: TestUser;
  let phone: TodoClient;
  let laptop: TodoClient;
  const seen: ClientSyncState[] = [];
  const laptopPullAnswers: string[] = [];
  let listenersBefore: number[];

  beforeAll(async () => {
    // Node 20 has no globalThis.WebSocket (the ws package is loaded); Node 22 and 24 have one.
    server = await startE2EServer();
    user = await createTestUser(server);
    listenersBefore = PROCESS_EVENTS.map((event) => process.listenerCount(event));
    phone = defaultsClient(server);
    // The laptop's pull answers, watched (the platform's own fetch does the work): the write must not come in one.
    laptop = defaultsClient(server, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (typeof init?.body === 'string' && init.body.includes('pullTodo')) laptopPullAnswers.push(await response.clone().text());
        return response;
      },
    });
    phone.status$.subscribe((s) => seen.push(s.sync));
    laptop.status$.subscribe((s) => seen.push(s.sync));
    for (const client of [phone, laptop]) {
      await client.start();
      await client.login({ username: user.username, password: user.password });
      await client.awaitInSync();
    }
  });

  afterAll(async () => {
    await phone?.close();
    await laptop?.close();
    await server?.close();
  });

  it('streams a write on one device to the other', async () => {
    await until(laptop.status$, (s) => s.sync === 'running', 'laptop running');
    // Both devices hold a subscription: the write can only arrive through it in time (no polling
    // for 30 s by default, and the pull at connect happened before the write).
    await eventually(() => server.stats().activeStreams >= 2, 'both streams subscribed');
    await phone.collections.todo.insert({ id: 'from-phone', title: 'milk', done: false });
    await until(laptop.collections.todo.findOne('from-phone').$, (doc) => doc?.get('title') === 'milk', 'laptop sees the write');
    await phone.awaitInSync();
    // Everything arrived without the laptop pulling it (a stream event carries the documents; the
    // laptop's one pull when its subscription went live may fall in this window, and returns nothing new).
    expect(laptopPullAnswers.filter((answer) => answer.includes('from-phone'))).toEqual([]);
    expect(phone.status).toMatchObject({ session: 'active', sync: 'running', syncError: null, syncTab: 'leader' });
    expect(seen).not.toContain('error');
  });

  it('runs without leader election: single-instance databases, no process handlers', () => {
    expect(phone.collections.todo.database.multiInstance).toBe(false);
    expect(laptop.collections.todo.database.multiInstance).toBe(false);
    expect(PROCESS_EVENTS.map((event) => process.listenerCount(event))).toEqual(listenersBefore);
  });

  // Last: RxDB's Node election installs process handlers that outlive the client.
  it('honours an explicit multiInstance: true (and still syncs)', async () => {
    const shared = defaultsClient(server, { sync: { multiInstance: true } });
    try {
      await shared.start();
      await shared.login({ username: user.username, password: user.password });
      await shared.awaitInSync();
      expect(shared.collections.todo.database.multiInstance).toBe(true);
      expect(await shared.collections.todo.findOne('from-phone').exec()).not.toBeNull();
    } finally {
      await shared.close();
    }
  });
});
