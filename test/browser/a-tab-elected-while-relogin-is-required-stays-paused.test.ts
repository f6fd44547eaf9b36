import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { statsSince } from '../integration/support/lifecycle-server.ts';
import { useBrowserScenario } from './support/browser-scenario.ts';

// Two tabs of one user while the session needs a relogin: the follower tab's hook hears what waits in
// the shared outbox; when the leader tab closes, the follower's replication starts paused as its
// session says (nothing is pushed), and after the relogin it pushes the backlog once.
describe('a tab elected while relogin is required', () => {
  const scenario = useBrowserScenario({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3600 });

  const status = (page: Page) => page.evaluate(() => window.app.status());

  it('stays paused, then pushes the follower writes once after the relogin', async () => {
    const { server, lane, user } = scenario;
    const leader = await lane.open('sync-tabs-page', server);
    await leader.page.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await leader.page.evaluate(() => window.sync.awaitInSync());
    const follower = await leader.page.context().newPage();
    await follower.goto(leader.page.url());
    await vi.waitFor(async () => expect(await follower.evaluate(() => window.app !== undefined)).toBe(true), { timeout: 10_000, interval: 20 });
    await follower.evaluate(() => window.app.start());
    await expect.poll(() => status(follower), { timeout: 10_000 }).toMatchObject({ syncTab: 'follower', sync: 'running' });

    // Revoked, then the access token runs out on the server: the leader's refresh is refused and
    // the follower follows it into refreshExpired.
    await server.revokeSessions(user.userId);
    server.shiftClock(61_000);
    await expect.poll(() => status(follower), { timeout: 10_000 }).toMatchObject({ session: 'refreshExpired', syncTab: 'follower', sync: 'paused' });
    await expect.poll(() => follower.evaluate(() => window.app.relogins()), { timeout: 10_000 })
      .toEqual([{ userId: user.userId, reason: 'refreshRejected', pendingWrites: { todo: { count: 0 } } }]);

    const before = server.stats();
    await follower.evaluate(() => window.sync.insert('waiting', 2));
    await expect.poll(() => follower.evaluate(() => window.pending()), { timeout: 10_000 }).toBe(2);
    await leader.page.close();
    await expect.poll(() => status(follower), { timeout: 10_000 })
      .toMatchObject({ session: 'refreshExpired', syncTab: 'leader', sync: 'paused', pendingWrites: 2 });
    expect(statsSince(server, before)).toMatchObject({ pushes: 0, pushedDocuments: 0 });

    await follower.evaluate(([u, p]) => window.app.login(u, p), [user.username, user.password] as const);
    await follower.evaluate(() => window.sync.awaitInSync());
    const ids = (await server.readDocuments(user.userId, 'todo')).map((d) => String(d.id)).sort();
    expect(ids).toEqual(['waiting-0', 'waiting-1']);
    expect(statsSince(server, before).pushedDocuments).toBe(2);
    await leader.close();
  });
});
