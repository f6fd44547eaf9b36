import WebSocket from 'ws';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServicesAuth, createSyncClient, type SyncClient, type SyncCollectionOptions } from '../../src/index.ts';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import { todoSchema } from './pages/todo-schema.ts';
import type { BrowserPage } from './support/browser-page.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// Sync in Chromium over its real IndexedDB (RxDB's Dexie storage): writes made while the session
// needs a relogin stay on the device through a page reload, are pushed exactly once after the
// relogin, and reach another device of the same user (Node) through the live stream.
describe('browser writes made while relogin is required', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3600 });
  let tab: BrowserPage;
  let other: SyncClient<{ todo: SyncCollectionOptions }> | undefined;

  beforeAll(async () => {
    tab = await scenario.lane.open('sync-page', scenario.server);
  });

  // Registered after the scenario's, so it runs before the server closes (afterAll hooks run in reverse).
  afterAll(async () => {
    await other?.close();
  });

  const idsOnServer = async (prefix: string): Promise<string[]> =>
    (await scenario.server.readDocuments(scenario.user.userId, 'todo')).map((d) => String(d.id)).filter((id) => id.startsWith(prefix)).sort();
  const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`).sort();

  it('survive a reload in IndexedDB and are pushed once after relogin', async () => {
    const { server, user } = scenario;
    const { page } = tab;
    await page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await page.evaluate(() => window.sync.insert('before', 5));
    await page.evaluate(() => window.sync.awaitInSync());
    expect(await idsOnServer('before')).toEqual(ids('before', 5));

    // Revoked, then the access token runs out on the server: the live stream is closed (4401), the
    // refresh is refused, sync pauses.
    await server.revokeSessions(user.userId);
    const before = server.stats();
    server.shiftClock(61_000);
    await expect.poll(() => page.evaluate(() => window.app.status()), { timeout: 10_000 }).toMatchObject({ session: 'refreshExpired', sync: 'paused' });
    // The hook follows the pause once the outbox is counted (asynchronously, from IndexedDB).
    await expect.poll(() => page.evaluate(() => window.app.relogins()), { timeout: 10_000 }).toEqual([
      { userId: user.userId, reason: 'refreshRejected', pendingWrites: { todo: { count: 0 } } },
    ]);

    await page.evaluate(() => window.sync.insert('offline', 20));
    await expect.poll(() => page.evaluate(() => window.app.status().pendingWrites), { timeout: 10_000 }).toBe(20);

    await tab.reload();
    await page.evaluate(() => window.app.start());
    // The restored access token looks valid to the page but has expired on the server: the page
    // finds out, and its hook is told what waits in IndexedDB.
    await expect.poll(() => page.evaluate(() => window.app.status().session), { timeout: 10_000 }).toBe('refreshExpired');
    await expect.poll(() => page.evaluate(() => window.app.relogins()), { timeout: 10_000 }).toEqual([
      { userId: user.userId, reason: 'refreshRejected', pendingWrites: { todo: { count: 20 } } },
    ]);
    expect((await page.evaluate(() => window.sync.ids())).filter((id) => id.startsWith('offline'))).toEqual(ids('offline', 20));
    const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    // They were read back from the browser's own IndexedDB, in the user's database.
    expect(databases).toEqual(expect.arrayContaining([expect.stringMatching(/^rxdb-dexie-browser-app-[0-9a-f]{16}--0--todo$/)]));
    expect(statsSince(server, before).pushedDocuments).toBe(0);

    await page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await page.evaluate(() => window.sync.awaitInSync());
    await expect.poll(() => page.evaluate(() => window.app.status().pendingWrites), { timeout: 10_000 }).toBe(0);
    const documents = await server.readDocuments(user.userId, 'todo');
    expect(documents.map((d) => String(d.id)).sort()).toEqual([...ids('before', 5), ...ids('offline', 20)].sort());
    expect(statsSince(server, before).pushedDocuments).toBe(20);
  });

  it('reach a Node client of the same user through the live stream', async () => {
    const { server, user } = scenario;
    other = createSyncClient({
      auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
      graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
      storage: getRxStorageMemory(),
      databaseName: 'node-device',
      collections: { todo: { schema: todoSchema } },
      wakeSignals: false,
      sync: { webSocketImpl: WebSocket, multiInstance: false },
    });
    await other.login({ username: user.username, password: user.password });
    await other.awaitInSync();
    expect(await other.collections.todo.count().exec()).toBe(25);
    await expect.poll(() => server.stats().activeStreams, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);

    const before = server.stats();
    await tab.page.evaluate(() => window.sync.insert('live', 1));
    const seen = other.collections.todo.findOne('live-0');
    await expect.poll(async () => (await seen.exec())?.get('title'), { timeout: 5_000 }).toBe('live 0');
    // The Node client has a live stream and no poll interval, so the stream delivered it. (Server pull
    // counts are not asserted: the tab's own replication may pull after its push.)
    expect(statsSince(server, before)).toMatchObject({ pushedDocuments: 1 });
  });
});
