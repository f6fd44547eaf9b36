import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { isSessionError, type ReloginInfo, type SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer, statsSince } from './support/lifecycle-server.ts';
import { waitForStatus } from './support/wait-for.ts';

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (e: unknown) => e);

// 30 s access tokens, 60 s refresh tokens; the server clock is moved instead of waiting.
describe('a refresh token that can no longer be used', () => {
  let server: SyncServer;
  let client: SyncClient | undefined;
  let shifted = 0;
  const shift = (ms: number): void => {
    shifted += ms;
    server.shiftClock(ms);
  };
  beforeAll(async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 30, refreshTokenTtlSec: 60 });
  });
  afterEach(async () => {
    await client?.close();
    server.shiftClock(-shifted);
    shifted = 0;
  });
  afterAll(() => server?.close());

  it('expired at the server: refreshExpired, the hook once, nothing sent until the same user logs in again', async () => {
    const ann = await createTestUser(server);
    const hook: ReloginInfo[] = [];
    client = clientFor(server, { onReloginRequired: (info) => void hook.push(info) });
    await client.login({ username: ann.username, password: ann.password });
    shift(90_000);

    const failed = await rejection(client.graphql.request(PULL_ONE));
    expect(isSessionError(failed, 'RELOGIN_REQUIRED')).toBe(true);
    expect(client.status).toMatchObject({ session: 'refreshExpired', userId: ann.userId, reloginReason: 'refreshRejected' });
    expect(hook).toEqual([{ userId: ann.userId, reason: 'refreshRejected', lastError: expect.objectContaining({ kind: 'refreshRejected' }), pendingWrites: {} }]);

    const before = server.stats();
    expect(isSessionError(await rejection(client.getValidAccessToken()), 'RELOGIN_REQUIRED')).toBe(true);
    for (let i = 0; i < 3; i++) expect(isSessionError(await rejection(client.graphql.request(PULL_ONE)), 'RELOGIN_REQUIRED')).toBe(true);
    expect(isSessionError(await rejection(client.refreshCustomData()), 'RELOGIN_REQUIRED')).toBe(true);
    expect(statsSince(server, before)).toMatchObject({ refreshes: 0, refreshFailures: 0, pulls: 0, graphqlAuthFailures: 0, logins: 0 });

    await client.login({ username: ann.username, password: ann.password });
    expect(client.status).toMatchObject({ session: 'active', userId: ann.userId, reloginReason: null });
    await expect(client.graphql.request(PULL_ONE)).resolves.toEqual({ pullTodo: { documents: [] } });
    expect(hook).toHaveLength(1);
  });

  it('revoked by the operator: the very next request ends in refreshExpired and one hook call', async () => {
    const bob = await createTestUser(server);
    const hook: ReloginInfo[] = [];
    client = clientFor(server, { onReloginRequired: (info) => void hook.push(info) });
    await client.login({ username: bob.username, password: bob.password });
    await expect(client.graphql.request(PULL_ONE)).resolves.toBeDefined();
    await server.revokeSessions(bob.userId);
    const before = server.stats();

    // Revocation reaches the access token at once: its 401 makes the client refresh, and that is refused.
    expect(isSessionError(await rejection(client.graphql.request(PULL_ONE)), 'RELOGIN_REQUIRED')).toBe(true);

    expect(client.status).toMatchObject({ session: 'refreshExpired', reloginReason: 'refreshRejected' });
    expect(hook.map(({ userId, reason }) => ({ userId, reason }))).toEqual([{ userId: bob.userId, reason: 'refreshRejected' }]);
    expect(statsSince(server, before)).toMatchObject({ refreshes: 0, refreshFailures: 1, graphqlAuthFailures: 1, pulls: 0 });
  });

  it('known to have expired (device clock past its exp): refreshExpired without sending the dead token', async () => {
    const cy = await createTestUser(server);
    const hook: ReloginInfo[] = [];
    let offset = 0;
    client = clientFor(server, { clock: { now: () => Date.now() + offset }, onReloginRequired: (info) => void hook.push(info) });
    await client.login({ username: cy.username, password: cy.password });
    const before = server.stats();
    // The device was off for two minutes: both clocks moved on.
    offset = 120_000;
    shift(120_000);

    expect(isSessionError(await rejection(client.getValidAccessToken()), 'RELOGIN_REQUIRED')).toBe(true);
    await waitForStatus(client, (s) => s.session === 'refreshExpired');
    expect(client.status.reloginReason).toBe('refreshExpired');
    expect(hook.map(({ userId, reason }) => ({ userId, reason }))).toEqual([{ userId: cy.userId, reason: 'refreshExpired' }]);
    expect(statsSince(server, before)).toMatchObject({ refreshes: 0, refreshFailures: 0, graphqlAuthFailures: 0 });
  });
});
