import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { fileSessionStore, isSessionError, type SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, startLifecycleServer } from './support/lifecycle-server.ts';

// The refresh token is read back from the session file: the one place it is allowed to be.
describe('logout', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function loggedInClient(): Promise<{ server: SyncServer; client: SyncClient; path: string; refreshToken: string }> {
    server = await startLifecycleServer({ accessTokenTtlSec: 60 });
    const ann = await createTestUser(server);
    dir = await mkdtemp(join(tmpdir(), 'session-sync-logout-'));
    const path = join(dir, 'session.json');
    client = clientFor(server, { sessionStore: fileSessionStore({ path }) });
    await client.login({ username: ann.username, password: ann.password });
    const stored = await fileSessionStore({ path }).load();
    expect(stored?.userId).toBe(ann.userId);
    return { server, client, path, refreshToken: stored!.refreshToken! };
  }

  it('revokes the refresh token on the server and removes the session file', async () => {
    const { server, client, path, refreshToken } = await loggedInClient();

    await client.logout();

    expect(server.stats().logouts).toBe(1);
    expect(client.status).toMatchObject({ session: 'loggedOut', userId: null });
    expect(client.user).toBeNull();
    expect(await fileSessionStore({ path }).load()).toBeNull();
    expect(await readdir(dir!)).toEqual([]);
    const reuse = await fetch(`${server.authUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${refreshToken}` } });
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toMatchObject({ error_code: 'InvalidSession' });
    expect(isSessionError(await client.getValidAccessToken().catch((e: unknown) => e), 'NOT_LOGGED_IN')).toBe(true);
  });

  it('with the server down: resolves without throwing and still clears the local session', async () => {
    const { server: down, client, path } = await loggedInClient();
    await down.close();
    server = undefined;

    await expect(client.logout()).resolves.toEqual({ pendingWrites: {} });

    expect(client.status).toMatchObject({ session: 'loggedOut', userId: null });
    expect(await fileSessionStore({ path }).load()).toBeNull();
  });
});
