import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { createTestUser, serverIds, startE2EServer, statsSince, todoClient, todos, untilStatus, type TestUser, type TodoClient } from './support/e2e-client.ts';

// Access tokens living 1 s expire again and again while a 5,000-document backlog is pushed through
// the client: nothing lost, nothing doubled, and refreshes stay at one per token lifetime (no
// stampede however many requests were in flight). Prints the measured push throughput.
describe('1-second access tokens during a 5,000-document backlog push', () => {
  const refreshRequests = { sent: 0, inFlight: 0, mostInFlight: 0 };
  const watchRefreshes: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith('/auth/session') || init?.method !== 'POST') return fetch(input, init);
    refreshRequests.sent += 1;
    refreshRequests.mostInFlight = Math.max(refreshRequests.mostInFlight, ++refreshRequests.inFlight);
    try {
      return await fetch(input, init);
    } finally {
      refreshRequests.inFlight -= 1;
    }
  };
  let server: SyncServer;
  let user: TestUser;
  let client: TodoClient;

  beforeAll(async () => {
    server = await startE2EServer({ accessTokenTtlSec: 1 });
    user = await createTestUser(server);
    // Watches the refresh requests on the wire: a stampede is two of them in flight at once.
    client = todoClient(server, { sync: { pushBatchSize: 50 }, fetch: watchRefreshes });
    await client.start();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('ends with every document on the server once, one refresh per lifetime at most', async () => {
    // The backlog is written before the session starts syncing (a previous, offline login).
    await client.login({ username: user.username, password: user.password });
    await client.awaitInSync();
    // Counted from a moment with no refresh in flight, so the server never counts fewer than the client.
    await untilStatus(client, (s) => s.session === 'active', 'active');
    let refreshedEvents = 0;
    client.on('refreshed', () => void refreshedEvents++);
    const before = server.stats();
    const startedAt = performance.now();
    const all = todos(5_000, 'b');
    for (let i = 0; i < all.length; i += 500) await client.collections.todo.bulkInsert(all.slice(i, i + 500));
    await client.awaitInSync();
    const ms = performance.now() - startedAt;

    const counts = await serverIds(server, user.userId);
    expect(counts.size).toBe(5_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await untilStatus(client, (s) => s.pendingWrites === 0, 'outbox empty');
    // Read while no refresh is in flight, so the server's count and the client's events agree.
    await untilStatus(client, (s) => s.session === 'active', 'active');
    const delta = statsSince(server, before);
    const refreshed = refreshedEvents;
    expect(delta.pushedDocuments).toBe(5_000);

    // Expiries happened (a 1 s token lapses in every second of the push; a starved event loop on a
    // loaded machine may renew it up to a lifetime late, so at least one refresh per two seconds);
    // no stampede: never two refresh requests at once (concurrent 401s never sent a second), each new
    // token came from one of them (a request timed out on a loaded machine is retried, so the server
    // may count more), and none came sooner than the client's schedule allows (a 1 s token counts as
    // 0.75 s left at receipt, refreshed a margin clamped to a quarter of the lifetime early).
    expect(delta.refreshes).toBeGreaterThanOrEqual(Math.floor(ms / 2000));
    expect(refreshRequests.mostInFlight).toBe(1);
    expect(refreshed).toBeGreaterThan(0);
    expect(refreshed).toBeLessThanOrEqual(delta.refreshes);
    expect(delta.refreshes).toBeLessThanOrEqual(Math.ceil(ms / 250) + 1);
    expect(delta.refreshFailures).toBe(0);
    expect(client.status.session).not.toBe('refreshExpired');
    console.info(
      `[measure] backlog push through createSyncClient: 5,000 docs in ${Math.round(ms)} ms = ${Math.round(5_000 / (ms / 1000))} docs/s; ` +
        `${delta.refreshes} refreshes, ${delta.graphqlAuthFailures} 401s, ${delta.pushes} push requests`,
    );
  });
});
