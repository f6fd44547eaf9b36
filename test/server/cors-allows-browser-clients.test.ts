import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, signedInUser } from '../helpers/server-requests.ts';

// CORS does not depend on storage: PGlite only.
describe.each(serverLanes.slice(0, 1))('browser clients ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('answers a preflight for an authorised JSON request from another origin', async () => {
    const { server } = running;
    for (const path of ['/graphql', loginPath(server), '/api/client/v2.0/auth/session']) {
      const res = await fetch(`${server.httpUrl}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    }
  });

  it('lets the page read the response and its Date header (for clock-skew estimates)', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const res = await fetch(`${server.httpUrl}/api/client/v2.0/auth/profile`, { headers: { origin: 'http://localhost:5173', authorization: `Bearer ${user.accessToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('date');
  });
});
