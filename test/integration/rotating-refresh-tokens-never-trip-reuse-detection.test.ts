import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { fileSessionStore, type SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer } from './support/lifecycle-server.ts';

// With rotation, presenting a replaced refresh token revokes the whole session (reuse detection).
// A client that ever sent an old one, or persisted the new one too late, would be logged out.
describe('rotating refresh tokens', () => {
  let server: SyncServer | undefined;
  const clients: SyncClient[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('many refreshes in a row, forced, reactive and concurrent, never trip reuse detection; a restart uses the latest token', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 30, refreshTokenTtlSec: 3_600, rotateRefreshTokens: true });
    const ann = await createTestUser(server);
    dir = await mkdtemp(join(tmpdir(), 'session-sync-rotation-'));
    const path = join(dir, 'session.json');
    const client = clientFor(server, { sessionStore: fileSessionStore({ path }) });
    clients.push(client);
    await client.login({ username: ann.username, password: ann.password });

    for (let i = 0; i < 8; i++) await client.refreshCustomData();
    for (let i = 0; i < 3; i++) {
      server.shiftClock(40_000); // the access token expires at the server: a reactive refresh
      await Promise.all(Array.from({ length: 10 }, () => client.graphql.request(PULL_ONE)));
    }
    await Promise.all(Array.from({ length: 5 }, () => client.refreshCustomData()));

    const stats = server.stats();
    expect(stats.refreshFailures).toBe(0);
    expect(stats.refreshes).toBeGreaterThanOrEqual(12);
    expect(stats.graphqlAuthFailures).toBe(30);
    expect(client.status).toMatchObject({ session: 'active', lastError: null });
    await client.close();

    // The app restarts with whatever the file holds: it must be the token the server issued last.
    const restarted = clientFor(server, { sessionStore: fileSessionStore({ path }) });
    clients.push(restarted);
    await expect(restarted.start()).resolves.toMatchObject({ session: 'active', userId: ann.userId });
    await restarted.refreshCustomData();
    await expect(restarted.graphql.request(PULL_ONE)).resolves.toBeDefined();
    expect(server.stats()).toMatchObject({ logins: 1, refreshFailures: 0, refreshes: stats.refreshes + 1 });
    expect(restarted.status.session).toBe('active');
  });
});
