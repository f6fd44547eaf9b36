import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer } from './support/lifecycle-server.ts';

describe('an access token the server already considers expired', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('20 concurrent requests that all get a 401 cause exactly one refresh, and all succeed after it', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3_600 });
    const ann = await createTestUser(server);
    client = clientFor(server);
    await client.login({ username: ann.username, password: ann.password });
    const expiredToken = await client.getValidAccessToken();
    // The server's clock moves past the token's expiry; the client has no reason to know.
    server.shiftClock(120_000);

    const results = await Promise.all(Array.from({ length: 20 }, () => client!.graphql.request(PULL_ONE)));

    expect(results).toEqual(Array.from({ length: 20 }, () => ({ pullTodo: { documents: [] } })));
    expect(server.stats()).toMatchObject({ logins: 1, refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 20, pulls: 20 });
    expect(client.status).toMatchObject({ session: 'active', userId: ann.userId, lastError: null });
    expect(await client.getValidAccessToken()).not.toBe(expiredToken);

    // The new token is used from now on: no further 401, no further refresh.
    await Promise.all(Array.from({ length: 5 }, () => client!.graphql.request(PULL_ONE)));
    expect(server.stats()).toMatchObject({ refreshes: 1, graphqlAuthFailures: 20, pulls: 25 });
  });
});
