import { afterAll, beforeAll } from 'vitest';
import type { ServerOptions, SyncServer } from '../../../examples/server/start-server.ts';
import { startLaneServer, type LaneServer } from '../../helpers/server-lanes.ts';
import { createTestUser, type TestUser } from '../../integration/support/lifecycle-server.ts';
import { startBrowserLane, type BrowserLane } from './browser-page.ts';

/** What a browser test file runs against; read it inside hooks and tests (set by `beforeAll`). */
export interface BrowserScenario {
  readonly server: SyncServer;
  readonly lane: BrowserLane;
  readonly user: TestUser;
}

/**
 * Registers the set-up every browser test file shares: the reference server (PGlite) with
 * `serverOptions` and the browser lane, started side by side, then one test user; both closed
 * in `afterAll`. Call it in a `describe` before the file's own hooks: its `beforeAll` runs first,
 * its `afterAll` last.
 *
 * @example
 * const scenario = useBrowserScenario({ accessTokenTtlSec: 60 });
 * it('logs in', async () => {
 *   const { page } = await scenario.lane.open('session-page', scenario.server);
 * });
 */
export function useBrowserScenario(serverOptions: ServerOptions = {}): BrowserScenario {
  let running: LaneServer | undefined;
  let lane: BrowserLane | undefined;
  let user: TestUser | undefined;

  beforeAll(async () => {
    [running, lane] = await Promise.all([startLaneServer({ name: 'pglite' }, serverOptions), startBrowserLane()]);
    user = await createTestUser(running.server);
  });

  afterAll(async () => {
    await lane?.close();
    await running?.close();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser scenario is read before its beforeAll ran');
    return value;
  };
  return {
    get server() {
      return started(running).server;
    },
    get lane() {
      return started(lane);
    },
    get user() {
      return started(user);
    },
  };
}
