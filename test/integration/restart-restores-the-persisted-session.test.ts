import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { fileSessionStore, type ReloginInfo, type SyncClient, type SyncClientOptions } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer, statsSince, type TestUser } from './support/lifecycle-server.ts';
import { waitForStatus } from './support/wait-for.ts';

// An app that quits and starts again: a second client on the same session file. While it was closed,
// time passes on both the server and the device (shifted, not waited for).
describe('start() after a restart', () => {
  let server: SyncServer;
  let dir: string;
  let path: string;
  let user: TestUser;
  let offset = 0;
  const clients: SyncClient[] = [];
  const open = (overrides: Partial<SyncClientOptions> = {}): SyncClient => {
    const client = clientFor(server, { sessionStore: fileSessionStore({ path }), clock: { now: () => Date.now() + offset }, ...overrides });
    clients.push(client);
    return client;
  };
  const passTime = (ms: number): void => {
    offset += ms;
    server.shiftClock(ms);
  };

  beforeAll(async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 30, refreshTokenTtlSec: 60 });
    dir = await mkdtemp(join(tmpdir(), 'session-sync-restart-'));
  });
  beforeEach(async () => {
    path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    user = await createTestUser(server);
    const first = open();
    await first.login({ username: user.username, password: user.password });
    await first.close();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    server.shiftClock(-offset);
    offset = 0;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a valid session: active at once, without logging in or refreshing', async () => {
    const before = server.stats();
    const client = open();

    await expect(client.start()).resolves.toMatchObject({ session: 'active', userId: user.userId });
    await expect(client.graphql.request(PULL_ONE)).resolves.toEqual({ pullTodo: { documents: [] } });
    expect(statsSince(server, before)).toMatchObject({ logins: 0, refreshes: 0, graphqlAuthFailures: 0, pulls: 1 });
  });

  it('an expired access token: refreshing, then active after one refresh, no 401', async () => {
    passTime(45_000);
    const before = server.stats();
    const client = open();

    await expect(client.start()).resolves.toMatchObject({ session: 'refreshing', userId: user.userId });
    await expect(client.graphql.request(PULL_ONE)).resolves.toBeDefined();
    await waitForStatus(client, (s) => s.session === 'active');
    expect(statsSince(server, before)).toMatchObject({ logins: 0, refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0 });
  });

  it('a refresh token known to have expired: refreshExpired, one hook call, nothing sent', async () => {
    passTime(120_000);
    const before = server.stats();
    const hook: ReloginInfo[] = [];
    const client = open({ onReloginRequired: (info) => void hook.push(info) });

    await expect(client.start()).resolves.toMatchObject({ session: 'refreshExpired', userId: user.userId, reloginReason: 'refreshExpired' });
    expect(hook.map(({ userId, reason }) => ({ userId, reason }))).toEqual([{ userId: user.userId, reason: 'refreshExpired' }]);
    expect(statsSince(server, before)).toMatchObject({ refreshes: 0, refreshFailures: 0 });

    await client.login({ username: user.username, password: user.password });
    expect(client.status).toMatchObject({ session: 'active', userId: user.userId });
  });
});
