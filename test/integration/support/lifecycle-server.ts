import type { ServerOptions, SyncServer } from '../../../examples/server/start-server.ts';
import type { ServerStats } from '../../../examples/server/stats.ts';
import { appServicesAuth, createSyncClient, type SyncClient, type SyncClientOptions } from '../../../src/index.ts';
import { startTestServer } from '../../helpers/server-lanes.ts';

/** A user created on the reference server, with the credentials the client logs in with. */
export interface TestUser {
  userId: string;
  username: string;
  password: string;
}

let counter = 0;

/**
 * Starts the reference server on a free port of 127.0.0.1 with short tokens by default, over a PGlite
 * copy of its own (removed by `close()`) unless `dataDir` is given.
 *
 * @example
 * const server = await startLifecycleServer({ accessTokenTtlSec: 2 });
 */
export function startLifecycleServer(options: ServerOptions = {}): Promise<SyncServer> {
  return startTestServer({ accessTokenTtlSec: 2, refreshTokenTtlSec: 60, ...options });
}

/**
 * Creates a user with a unique name.
 *
 * @example
 * const ann = await createTestUser(server, { plan: 'free' });
 */
export async function createTestUser(server: SyncServer, customData?: Record<string, unknown>): Promise<TestUser> {
  const username = `user-${process.pid}-${++counter}@example.com`;
  const password = 'correct horse battery';
  const { userId } = await server.createUser({ username, password, ...(customData ? { customData } : {}) });
  return { userId, username, password };
}

/**
 * A client of `server` over real HTTP: App Services auth, `client.graphql` on `/graphql`. Wake signals
 * are off unless a test turns them on (Node has only the clock-jump timer, which would keep running).
 *
 * @example
 * const client = clientFor(server, { refreshMarginMs: 500 });
 */
export function clientFor(server: SyncServer, overrides: Partial<SyncClientOptions> = {}): SyncClient {
  return createSyncClient({
    auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
    graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
    wakeSignals: false,
    ...overrides,
  });
}

/** A cheap authenticated query every user may run. */
export const PULL_ONE = '{ pullTodo(limit: 1) { documents { id } } }';

/**
 * Moves the server clock so that it is `fraction` of the way into a whole second. Tokens carry
 * whole-second `iat`/`exp`, so where in its second a token is issued decides how much of its stated
 * lifetime is really left; tests that time refreshes fix this instead of leaving it to chance.
 *
 * @example
 * alignServerSecond(server, 0.05);
 */
export function alignServerSecond(server: SyncServer, fraction: number, now = Date.now()): void {
  const target = Math.round(fraction * 1000);
  server.shiftClock((((target - (now % 1000)) % 1000) + 1000) % 1000);
}

/**
 * How much each server counter grew since `before`.
 *
 * @example
 * const before = server.stats();
 * await client.refreshCustomData();
 * expect(statsSince(server, before).refreshes).toBe(1);
 */
export function statsSince(server: SyncServer, before: ServerStats): ServerStats {
  const now = server.stats();
  const delta = { ...now };
  for (const key of Object.keys(now) as Array<keyof ServerStats>) delta[key] = now[key] - before[key];
  return delta;
}
