import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ReloginInfo } from '../../src/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import {
  createTestUser, eventually, serverIds, signIn, startE2EServer, statsSince, todoClient, todos, untilStatus, type TestUser, type TodoClient,
} from './support/e2e-client.ts';

// The refresh token is revoked: the session goes to refreshExpired, sync pauses (nothing is sent,
// not even a pull), 1,000 writes land locally, the hook is told how many wait and how old the
// oldest is; after relogin as the same user every one of them is on the server exactly once.
describe('writes made while relogin is required', () => {
  let server: SyncServer;
  let user: TestUser;
  let client: TodoClient;
  let proxy: FaultProxy;
  const hookCalls: ReloginInfo[] = [];

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 2 });
    user = await createTestUser(server);
    proxy = await startFaultProxy(server.port);
    // GraphQL through a proxy the second test takes down; auth goes straight to the server.
    client = todoClient(server, {
      graphql: { url: `${proxy.origin}/graphql`, wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`, timeoutMs: 1_000 },
      onReloginRequired: (info) => void hookCalls.push(info),
    });
    await signIn(client, user);
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
  });

  it('are kept, reported, and pushed once each after relogin', async () => {
    await client.collections.todo.bulkInsert(todos(10, 'before'));
    await client.awaitInSync();
    await server.revokeSessions(user.userId);

    // The 2 s access token is refreshed proactively (or after a 4401 on the socket): refused.
    await untilStatus(client, (s) => s.session === 'refreshExpired' && s.sync === 'paused', 'refreshExpired, paused');
    // The hook hears once, with what waits per collection (nothing yet: all 10 were pushed).
    await eventually(() => hookCalls.length === 1, 'onReloginRequired');
    expect(hookCalls[0]).toMatchObject({ userId: user.userId, pendingWrites: { todo: { count: 0, oldestAgeMs: null } } });
    const quiet = server.stats();

    await client.collections.todo.bulkInsert(todos(1_000, 'offline'));
    await untilStatus(client, (s) => s.pendingWrites === 1_000, '1,000 pending');
    // Still nothing sent: no pull, no push, no stream, no refresh while refreshExpired.
    const during = statsSince(server, quiet);
    expect({ pulls: during.pulls, pushes: during.pushes, streamConnects: during.streamConnects, refreshes: during.refreshes })
      .toEqual({ pulls: 0, pushes: 0, streamConnects: 0, refreshes: 0 });

    expect(client.status.sync).toBe('paused');

    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();

    const counts = await serverIds(server, user.userId);
    const offline = [...counts].filter(([id]) => id.startsWith('offline-'));
    expect(offline).toHaveLength(1_000);
    expect(offline.every(([, n]) => n === 1)).toBe(true);
    expect(counts.size).toBe(1_010);
    await untilStatus(client, (s) => s.session === 'active' && s.pendingWrites === 0, 'outbox drained');
    expect(hookCalls).toHaveLength(1);
  });

  it('tells the hook how many writes wait per collection and how old the oldest is', async () => {
    proxy.setMode({ kind: 'refuse' });
    const writtenAt = Date.now();
    await client.collections.todo.bulkInsert(todos(25, 'waiting'));
    await untilStatus(client, (s) => s.sync === 'offline', 'offline');
    await server.revokeSessions(user.userId);
    await untilStatus(client, (s) => s.session === 'refreshExpired', 'expired again');
    await eventually(() => hookCalls.length === 2, 'second onReloginRequired');
    const { pendingWrites } = hookCalls[1]!;
    expect(pendingWrites.todo?.count).toBe(25);
    expect(pendingWrites.todo?.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(pendingWrites.todo?.oldestAgeMs).toBeLessThanOrEqual(Date.now() - writtenAt + 50);

    proxy.setMode({ kind: 'pass' });
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
    expect([...(await serverIds(server, user.userId)).keys()].filter((id) => id.startsWith('waiting'))).toHaveLength(25);
  });
});
