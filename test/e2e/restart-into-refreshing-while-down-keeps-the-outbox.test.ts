import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth, memorySessionStore } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, todoClient, todos, uniqueDatabaseName, untilStatus,
  type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// The outbox of a previous run survives a restart that finds the access token expired and the
// server unreachable: the session sits in `refreshing` for longer than RxDB's own
// first upstream pass, and once the server is back every write reaches it exactly once.
describe('a restart into refreshing while the server is down', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let user: TestUser;
  const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });
  const databaseName = uniqueDatabaseName();
  const sessionStore = memorySessionStore();
  let second: TodoClient | undefined;

  // Past the access token's lifetime (1800 s), well inside the refresh token's (3600 s).
  const run = (offsetMs: number): TodoClient => todoClient(server, {
    storage, databaseName, sessionStore, clock: { now: () => Date.now() + offsetMs },
    auth: appServicesAuth({ baseUrl: `${proxy.origin}/api/client/v2.0`, appId: server.appId }),
    graphql: { url: `${proxy.origin}/graphql`, timeoutMs: 500 },
    backoff: { baseMs: 100, maxMs: 400 },
  });

  beforeAll(async () => {
    server = await startE2EServer();
    proxy = await startFaultProxy(server.port);
    user = await createTestUser(server);
  });

  afterAll(async () => {
    await second?.close();
    await proxy?.close();
    await server?.close();
  });

  it('pushes all 250 pending (more than one push batch) writes once the server is back', async () => {
    const first = run(0);
    await first.start();
    await first.login({ username: user.username, password: user.password });
    await first.awaitInSync();
    proxy.setMode({ kind: 'refuse' });
    await first.collections.todo.bulkInsert(todos(250, 'outbox'));
    await untilStatus(first, (s) => s.pendingWrites === 250, 'outbox counted');
    await first.close();

    second = run(1_900_000);
    await second.start();
    await untilStatus(second, (s) => s.session === 'refreshing' && s.pendingWrites === 250, 'refreshing with the outbox');
    // Held for a while (the server stays down): long past RxDB's first upstream pass.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await second.pendingWrites()).todo?.count).toBe(250);
    expect((await serverIds(server, user.userId)).size).toBe(0);

    proxy.setMode({ kind: 'pass' });
    await untilStatus(second, (s) => s.session === 'active', 'refreshed');
    await second.awaitInSync();
    await untilStatus(second, (s) => s.pendingWrites === 0, 'outbox empty');
    const counts = await serverIds(server, user.userId);
    expect(counts.size).toBe(250);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
