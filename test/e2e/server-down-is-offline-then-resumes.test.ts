import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { appServicesAuth } from '../../src/index.ts';
import type { SessionState } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, serverIds, startE2EServer, todoClient, todos, untilStatus, type TodoClient,
} from './support/e2e-client.ts';

// Offline is not expired: with the whole server unreachable (auth, GraphQL and websocket) across
// an access-token expiry, sync shows `offline`, the session never reaches refreshExpired, writes
// queue locally, and everything syncs by itself once the server is back.
describe('a server that is down', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let client: TodoClient;
  let userId: string;
  const sessions: SessionState[] = [];

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 2 });
    proxy = await startFaultProxy(server.port);
    const user = await createTestUser(server);
    userId = user.userId;
    client = todoClient(server, {
      auth: appServicesAuth({ baseUrl: `${proxy.origin}/api/client/v2.0`, appId: server.appId }),
      graphql: { url: `${proxy.origin}/graphql`, wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`, timeoutMs: 500 },
      backoff: { baseMs: 100, maxMs: 400 },
    });
    await client.start();
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
    client.status$.subscribe((s) => sessions.push(s.session));
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it.each([{ kind: 'refuse' as const }, { kind: 'blackhole' as const }])('$kind: offline, never refreshExpired, then back in sync', async (fault) => {
    proxy.setMode(fault);
    await client.collections.todo.bulkInsert(todos(30, fault.kind));
    const offline = await untilStatus(client, (s) => s.sync === 'offline', 'sync offline');
    expect(offline.syncError?.kind).toBe('transient');
    // Outlive the 2 s access token while down: its refresh cannot reach the server either.
    await untilStatus(client, (s) => s.session === 'refreshing', 'refresh while down');

    // A blackholed server that comes back has dropped the connections it never answered.
    if (fault.kind === 'blackhole') proxy.setMode({ kind: 'refuse' });
    proxy.setMode({ kind: 'pass' });
    await client.awaitInSync();
    // Sync runs again, so the outage's error no longer shows.
    await untilStatus(client, (s) => s.session === 'active' && s.sync === 'running' && s.pendingWrites === 0 && s.syncError === null, 'back in sync');
    expect([...(await serverIds(server, userId)).keys()].filter((id) => id.startsWith(fault.kind))).toHaveLength(30);
    expect(sessions).not.toContain('refreshExpired');
    expect(sessions).not.toContain('loggedOut');
  });

  // A push retrying against a down server never goes idle: the count must not wait for that.
  it('status.pendingWrites follows writes made while offline', async () => {
    await client.awaitInSync();
    await untilStatus(client, (s) => s.pendingWrites === 0, 'outbox empty');
    proxy.setMode({ kind: 'refuse' });
    try {
      await client.collections.todo.bulkInsert(todos(12, 'counted'));
      await untilStatus(client, (s) => s.sync === 'offline', 'offline');
      expect((await client.pendingWrites()).todo?.count).toBe(12);
      await untilStatus(client, (s) => s.pendingWrites === 12, 'status shows 12 pending', 3_000);
      // Writes made once the push is already failing are counted too.
      await client.collections.todo.bulkInsert(todos(5, 'later'));
      await untilStatus(client, (s) => s.pendingWrites === 17, 'status shows 17 pending', 3_000);
    } finally {
      proxy.setMode({ kind: 'pass' });
      await client.awaitInSync();
    }
  });
});
