import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer, statsSince } from './support/lifecycle-server.ts';
import { nextEvent } from './support/wait-for.ts';

const HOUR = 3_600_000;

// A laptop that slept for an hour: the device clock and the server clock both jump, while the
// client's refresh timer (real setTimeout, 15 s away) has not fired.
describe('a sleep past the access token expiry', () => {
  let server: SyncServer;
  let client: SyncClient | undefined;
  let offset = 0;
  const sleep = (ms: number): void => {
    offset += ms;
    server.shiftClock(ms);
  };
  const open = async (): Promise<SyncClient> => {
    const user = await createTestUser(server);
    client = clientFor(server, {
      clock: { now: () => Date.now() + offset },
      wakeSignals: { checkIntervalMs: 50, jumpThresholdMs: 10_000 },
    });
    await client.login({ username: user.username, password: user.password });
    return client;
  };
  beforeAll(async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 30, refreshTokenTtlSec: 24 * 3_600 });
  });
  afterEach(async () => {
    await client?.close();
    server.shiftClock(-offset);
    offset = 0;
  });
  afterAll(() => server?.close());

  it('the clock-jump watcher refreshes once on wake, before the app asks for anything', async () => {
    const client = await open();
    const before = server.stats();
    const refreshed = nextEvent(client, 'refreshed');
    sleep(HOUR);

    const { accessExpiresAt } = await refreshed;
    expect(accessExpiresAt).toBeGreaterThan(Date.now() + offset + 20_000);
    await Promise.all(Array.from({ length: 5 }, () => client.graphql.request(PULL_ONE)));
    expect(statsSince(server, before)).toMatchObject({ refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0, pulls: 5 });
  });

  it('requests made the instant it wakes wait for one refresh instead of sending the stale token', async () => {
    const client = await open();
    const before = server.stats();
    sleep(HOUR);

    await Promise.all(Array.from({ length: 10 }, () => client.graphql.request(PULL_ONE)));
    expect(statsSince(server, before)).toMatchObject({ refreshes: 1, refreshFailures: 0, graphqlAuthFailures: 0, pulls: 10 });
    expect(client.status.session).toBe('active');
  });
});
