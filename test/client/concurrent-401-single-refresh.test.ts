import { afterEach, describe, expect, it } from 'vitest';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import { createFakeAuth } from './fake-auth.ts';
import { startGraphQLTestServer, type GraphQLTestServer } from './graphql-test-server.ts';

// Real HTTP on 127.0.0.1 with real timers: nothing here depends on time passing.
describe('50 concurrent requests that all get a 401', () => {
  let server: GraphQLTestServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('cause exactly one refresh, and all succeed with the new token', async () => {
    const fake = await createFakeAuth();
    server = await startGraphQLTestServer(fake.acceptsAccess);
    client = createSyncClient({ auth: fake.auth, graphql: { url: server.url }, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    const oldToken = fake.state.lastAccess;
    // The server stops accepting the (unexpired) token, e.g. after a signing-key rotation.
    fake.state.rejectedAccess.add(oldToken);

    const results = await Promise.all(
      Array.from({ length: 50 }, () => client!.graphql.request<{ me: { id: string } }>('{ me { id } }')),
    );

    expect(results).toEqual(Array.from({ length: 50 }, () => ({ me: { id: 'ann' } })));
    expect(fake.calls.refresh).toBe(1);
    expect(server.stats).toEqual({ ok: 50, unauthorized: 50 });
    const newToken = fake.state.lastAccess;
    expect(newToken).not.toBe(oldToken);
    expect(server.tokensSeen.filter((t) => t === oldToken)).toHaveLength(50);
    expect(server.tokensSeen.filter((t) => t === newToken)).toHaveLength(50);
    expect(client.status.session).toBe('active');
  });

  it('requests made while that refresh is in flight wait for it instead of using the rejected token', async () => {
    const fake = await createFakeAuth();
    server = await startGraphQLTestServer(fake.acceptsAccess);
    client = createSyncClient({ auth: fake.auth, graphql: { url: server.url }, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.rejectedAccess.add(fake.state.lastAccess);

    const first = client.graphql.request('{ me { id } }');
    // Give the first request time to hit the 401 and start the refresh.
    await new Promise<void>((resolve) => {
      const sub = client!.status$.subscribe((s) => {
        if (s.session === 'refreshing') {
          queueMicrotask(() => sub.unsubscribe());
          resolve();
        }
      });
    });
    const late = await Promise.all(Array.from({ length: 10 }, () => client!.graphql.request('{ me { id } }')));
    await first;
    expect(late).toHaveLength(10);
    expect(server.stats.unauthorized).toBe(1);
    expect(fake.calls.refresh).toBe(1);
  });
});
