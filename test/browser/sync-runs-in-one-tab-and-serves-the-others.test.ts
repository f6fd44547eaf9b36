import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { userDatabaseName } from '../../src/sync/user-database.ts';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// Two tabs of one app (one browser context: same origin, IndexedDB, locks), signed in as one user. RxDB
// replicates in the leader tab only; the follower writes into the shared IndexedDB and must still see
// its writes synced, its status, and take over when the leader tab closes.
describe('sync across two tabs', () => {
  const scenario = useBrowserScenario();

  const onServer = async (prefix: string): Promise<string[]> =>
    (await scenario.server.readDocuments(scenario.user.userId, 'todo')).map((d) => String(d.id)).filter((id) => id.startsWith(prefix)).sort();
  const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`).sort();
  const status = (page: Page) => page.evaluate(() => window.app.status());

  it('a follower tab sees its writes pushed once, awaits them, shows the leader, and takes over when the leader closes', async () => {
    const { server, lane, user } = scenario;
    const leader = await lane.open('sync-tabs-page', server);
    await leader.page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await leader.page.evaluate(() => window.sync.awaitInSync());
    const follower = await leader.page.context().newPage();
    await follower.goto(leader.page.url());
    await vi.waitFor(async () => expect(await follower.evaluate(() => window.app !== undefined)).toBe(true), { timeout: 10_000, interval: 20 });
    // Everything the tabs tell each other about sync, as a third party on the origin hears it.
    const channel = `session-sync.sync:${await userDatabaseName('tabs-app', user.userId)}`;
    await follower.evaluate((name) => {
      const heard: string[] = [];
      (globalThis as unknown as { heard: string[] }).heard = heard;
      new BroadcastChannel(name).onmessage = (event) => heard.push(JSON.stringify(event.data));
    }, channel);
    expect((await follower.evaluate(() => window.app.start())).session).toBe('active');
    expect(await status(leader.page)).toMatchObject({ syncTab: 'leader', sync: 'running' });
    await expect.poll(() => status(follower), { timeout: 10_000 }).toMatchObject({ syncTab: 'follower', sync: 'running' });

    // Written in the follower, awaited there: on the server once, nothing left pending in either tab.
    const before = server.stats();
    await follower.evaluate(() => window.sync.insert('follower', 3));
    await follower.evaluate(() => window.sync.awaitInSync());
    expect(await onServer('follower')).toEqual(ids('follower', 3));
    expect(statsSince(server, before).pushedDocuments).toBe(3);
    expect(await follower.evaluate(() => window.pending())).toBe(0);
    await expect.poll(() => status(follower), { timeout: 10_000 }).toMatchObject({ syncTab: 'follower', sync: 'running', pendingWrites: 0 });
    expect((await status(follower)).lastPushedAt).not.toBeNull();
    const heard = await follower.evaluate(() => (globalThis as unknown as { heard: string[] }).heard);
    expect(heard.some((m) => m.includes('"inSync"'))).toBe(true);
    // Statuses, counts and request ids only: no token, no document.
    expect(heard.filter((m) => /eyJ[\w-]+\.[\w-]+\.|[Bb]earer|follower 0/.test(m))).toEqual([]);

    // The leader tab closes: RxDB elects the follower, whose replication runs as its session says.
    await leader.page.close();
    await expect.poll(() => status(follower), { timeout: 10_000 }).toMatchObject({ syncTab: 'leader', sync: 'running' });
    const afterClose = server.stats();
    await follower.evaluate(() => window.sync.insert('after-close', 2));
    await follower.evaluate(() => window.sync.awaitInSync());
    expect(await onServer('after-close')).toEqual(ids('after-close', 2));
    expect(statsSince(server, afterClose).pushedDocuments).toBe(2);
    expect(await onServer('follower')).toEqual(ids('follower', 3));
    await leader.close();
  });
});
