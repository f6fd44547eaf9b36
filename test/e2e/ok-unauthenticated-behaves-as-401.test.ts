import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth } from '../../src/index.ts';
import type { SessionState } from '../../src/index.ts';
import { startOkUnauthenticatedProxy, type OkUnauthenticatedProxy } from './support/ok-unauthenticated-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, statsSince, todoClient, todos, type TodoClient,
} from './support/e2e-client.ts';

// A server that answers an expired token with HTTP 200 + UNAUTHENTICATED (here: a proxy rewriting
// the reference server's 401s) is treated exactly like a 401: one reactive refresh, the request
// replayed, the writes pushed, and never refreshExpired. Poll mode: no websocket involved.
describe('200 + UNAUTHENTICATED', () => {
  let server: SyncServer;
  let proxy: OkUnauthenticatedProxy;
  let client: TodoClient;
  let userId: string;
  const sessions: SessionState[] = [];

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 600 });
    proxy = await startOkUnauthenticatedProxy(server.httpUrl);
    const user = await createTestUser(server);
    userId = user.userId;
    client = todoClient(server, {
      auth: appServicesAuth({ baseUrl: `${proxy.origin}/api/client/v2.0`, appId: server.appId }),
      graphql: { url: `${proxy.origin}/graphql` },
      // A margin that never comes due in this test: only the rejected token can start a refresh.
      refreshMarginMs: 0,
      sync: { pullIntervalMs: 3_600_000 },
    });
    client.status$.subscribe((s) => sessions.push(s.session));
    await client.start();
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('refreshes once, replays, and pushes', async () => {
    const before = server.stats();
    // The server's clock passes the access token's expiry; the refresh token (1 h) stays valid.
    server.shiftClock(700_000);
    await client.collections.todo.bulkInsert(todos(50, 'ok200'));
    await client.awaitInSync();

    const delta = statsSince(server, before);
    expect(proxy.rewritten).toBeGreaterThanOrEqual(1);
    expect(delta.graphqlAuthFailures).toBeGreaterThanOrEqual(1);
    expect(delta.refreshes).toBe(1);
    expect((await serverIds(server, userId)).size).toBe(50);
    expect(sessions).toContain('refreshing');
    expect(sessions).not.toContain('refreshExpired');
    expect(client.status.session).toBe('active');
  });
});
