import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { alignServerSecond, clientFor, createTestUser, PULL_ONE, startLifecycleServer } from './support/lifecycle-server.ts';

// Real time: the server's 3 s tokens really expire, and the client must refresh ahead of them. (Not 2 s:
// whole-second iat/exp can eat up to 1 s of the lifetime, which leaves little room for a refresh on a
// loaded machine; see access-expiry-estimate-never-exceeds-real-expiry.)
describe('proactive refresh over real HTTP', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('refreshes once per 3 s token, before it expires, while requests keep flowing without a 401', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 3 });
    const ann = await createTestUser(server);
    // Issue tokens early in a server second, so whole-second iat/exp leave (almost) the stated lifetime.
    alignServerSecond(server, 0.05);
    client = clientFor(server); // default 60 s margin, clamped to a quarter of the 3 s lifetime
    await client.login({ username: ann.username, password: ann.password });
    const firstExpiry = client.status.accessExpiresAt!;
    const refreshes: Array<{ at: number; accessExpiresAt: number }> = [];
    client.on('refreshed', ({ accessExpiresAt }) => void refreshes.push({ at: Date.now(), accessExpiresAt }));

    let requests = 0;
    const giveUpAt = Date.now() + 8_000;
    while (refreshes.length < 3 && Date.now() < giveUpAt) {
      await client.graphql.request(PULL_ONE);
      requests += 1;
    }

    expect(refreshes).toHaveLength(3);
    const stats = server.stats();
    expect(stats).toMatchObject({ logins: 1, refreshes: 3, refreshFailures: 0, graphqlAuthFailures: 0, pulls: requests });
    // Requests never stopped for a refresh (a loaded 2-core machine still manages dozens).
    expect(requests).toBeGreaterThan(10);
    // Each refresh lands while the token it replaces is still valid, and about one lifetime apart (no storm).
    const expiries = [firstExpiry, ...refreshes.map((r) => r.accessExpiresAt)];
    refreshes.forEach((refresh, i) => {
      expect(refresh.at).toBeLessThan(expiries[i]!);
      expect(expiries[i]! - refresh.at).toBeLessThanOrEqual(1_600);
    });
    for (let i = 1; i < refreshes.length; i++) {
      expect(refreshes[i]!.at - refreshes[i - 1]!.at).toBeGreaterThan(1_300);
    }
    expect(client.status.session).toBe('active');
  });
});
