import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth, createSyncClient } from '../../src/index.ts';
import type { SessionStatus } from '../../src/index.ts';
import { alignServerSecond } from '../integration/support/lifecycle-server.ts';
import {
  createTestUser, eventually, startE2EServer, todoSchema, todos, uniqueDatabaseName, untilStatus,
  type TestUser, type TodoClient, type TodoCollections,
} from './support/e2e-client.ts';

// After every token refresh the client drops its own socket so the next connect carries the new
// token. That close is ours, not the network's: across proactive refreshes of 6 s tokens (the
// server's real clock), not one status emission shows `offline` or a `syncError`, and the stream
// reconnects once per refresh and keeps delivering.
describe('a proactive refresh', () => {
  let server: SyncServer;
  let user: TestUser;
  let client: TodoClient;
  const emitted: SessionStatus[] = [];

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 6 });
    user = await createTestUser(server);
    // Tokens issued early in a server second keep (almost) their whole stated lifetime.
    alignServerSecond(server, 0.05);
    client = createSyncClient<TodoCollections>({
      auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
      graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
      storage: getRxStorageMemory(),
      databaseName: uniqueDatabaseName(),
      collections: { todo: { schema: todoSchema } },
      wakeSignals: false,
    });
    client.status$.subscribe((s) => emitted.push(s));
    await client.start();
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('reconnects the stream with the new token without ever showing offline or an error', async () => {
    await eventually(() => server.stats().activeStreams === 1, 'stream subscribed');
    const connectsBefore = server.stats().streamConnects;
    for (let round = 1; round <= 2; round++) {
      const expiry = client.status.accessExpiresAt!;
      await untilStatus(client, (s) => s.accessExpiresAt! > expiry, `refresh ${round}`, 15_000);
      // The reconnect follows each refresh at once (no backoff: nothing failed).
      await eventually(() => server.stats().streamConnects >= connectsBefore + round && server.stats().activeStreams === 1, `reconnect ${round}`);
      await client.collections.todo.bulkInsert(todos(5, `round${round}`));
      await client.awaitInSync();
    }
    expect(server.stats()).toMatchObject({ refreshFailures: 0, streamAuthCloses: 0 });
    const signedIn = emitted.filter((s) => s.userId !== null);
    expect(signedIn.map((s) => s.session)).toContain('refreshing');
    expect(signedIn.filter((s) => s.sync === 'offline' || s.sync === 'error')).toEqual([]);
    expect(signedIn.filter((s) => s.syncError !== null)).toEqual([]);
    await untilStatus(client, (s) => s.pendingWrites === 0, 'outbox empty');
    expect(client.status).toMatchObject({ session: 'active', sync: 'running', syncError: null });
  });
});
