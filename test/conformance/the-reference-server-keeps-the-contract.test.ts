import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Through the module's entry point, as `session-sync/conformance` would be imported.
import { appServicesLogin, checkServer, formatReport } from '../../src/conformance/index.ts';
import { createTestUser } from '../integration/support/lifecycle-server.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';

describe.each(serverLanes)('the reference server on $name', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { accessTokenTtlSec: 1800 });
  });
  afterAll(() => running.close());

  it('passes every conformance check and leaves only soft-deleted documents behind', async () => {
    const { server } = running;
    const login = (user: { username: string; password: string }) => () =>
      appServicesLogin({ baseUrl: server.authUrl, appId: server.appId, ...user });
    // An expired token: issued, then the server clock moves past its 30-minute lifetime.
    const expired = await login(await createTestUser(server))();
    server.shiftClock(31 * 60_000);
    const [a, b] = [await createTestUser(server), await createTestUser(server)];

    const report = await checkServer({
      graphqlUrl: server.graphqlUrl,
      wsUrl: server.wsUrl,
      userA: login(a),
      userB: login(b),
      expiredToken: expired,
      secrets: [a.password],
    });

    expect(report.checks.filter((check) => check.status !== 'pass'), formatReport(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.cleanup.status).toBe('done');
    for (const user of [a, b]) {
      const docs = await server.readDocuments(user.userId, 'todo');
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(doc.id.startsWith(report.idPrefix)).toBe(true);
        expect(doc.deleted).toBe(true);
      }
    }
    const text = formatReport(report);
    expect(text).not.toContain(expired);
    expect(text).not.toContain(a.password);
  });
});
