import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { isSessionError, type SessionStatus, type SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer } from './support/lifecycle-server.ts';
import { freshDataDir } from './support/pglite-data-dir.ts';
import { waitForStatus } from './support/wait-for.ts';

// Offline is not expired: the server really goes away (its port refuses connections) and a new
// server process comes back on the same port over the same data directory.
describe('the server goes down during a refresh', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stays signed in (refreshing, never refreshExpired), fails callers fast, and recovers by itself when it is back', async () => {
    dataDir = await freshDataDir();
    const options = { accessTokenTtlSec: 30, refreshTokenTtlSec: 3_600, dataDir };
    server = await startLifecycleServer(options);
    const { port } = server;
    const ann = await createTestUser(server);
    let offset = 0;
    const relogins: unknown[] = [];
    client = clientFor(server, {
      clock: { now: () => Date.now() + offset },
      backoff: { baseMs: 50, maxMs: 200 },
      onReloginRequired: (info) => void relogins.push(info),
    });
    await client.login({ username: ann.username, password: ann.password });
    const seen: SessionStatus['session'][] = [];
    client.status$.subscribe((s) => void seen.push(s.session));
    const token = await client.getValidAccessToken();

    await server.close();
    server = undefined;
    const forced = await client.refreshCustomData().catch((e: unknown) => e);
    expect(isSessionError(forced, 'NETWORK')).toBe(true);
    expect(client.status).toMatchObject({ session: 'refreshing', userId: ann.userId, lastError: expect.objectContaining({ kind: 'transient' }) });
    // The still-valid token keeps being served while the refresh retries in the background.
    expect(await client.getValidAccessToken()).toBe(token);
    // Once it has expired (the device clock moves on), callers get a typed NETWORK error, not a hang.
    offset = 40_000;
    expect(isSessionError(await client.graphql.request(PULL_ONE).catch((e: unknown) => e), 'NETWORK')).toBe(true);

    server = await startLifecycleServer({ ...options, port });
    await waitForStatus(client, (s) => s.session === 'active');
    await expect(client.graphql.request(PULL_ONE)).resolves.toEqual({ pullTodo: { documents: [] } });

    expect(new Set(seen)).toEqual(new Set(['active', 'refreshing']));
    expect(relogins).toEqual([]);
    expect(client.status).toMatchObject({ session: 'active', userId: ann.userId, lastError: null });
    expect(server.stats()).toMatchObject({ logins: 0, refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0, pulls: 1 });
  });
});
