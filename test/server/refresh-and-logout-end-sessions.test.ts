import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, request, SESSION_PATH, signedInUser } from '../helpers/server-requests.ts';

const invalidSession = { error_code: 'InvalidSession', error: expect.any(String) };

describe.each(serverLanes)('refresh, logout and revoke ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { accessTokenTtlSec: 60, refreshTokenTtlSec: 120 });
  });
  afterAll(() => running.close());

  it('refreshes with 201 {access_token} and the new token is accepted by /graphql', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const before = server.stats().refreshes;
    const res = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['access_token']);
    const pull = await graphql(server, res.body.access_token, PULL_TODO, { checkpoint: null, limit: 10 });
    expect(pull.status).toBe(200);
    expect(server.stats().refreshes).toBe(before + 1);
  });

  it('logs out with 204, after which the refresh token gets 401 InvalidSession', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const logout = await request(server, 'DELETE', SESSION_PATH, undefined, user.refreshToken);
    expect(logout.status).toBe(204);
    const res = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(invalidSession);
  });

  it('revokes every session of a user when the operator says so, and only that user', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const other = await signedInUser(server);
    const secondDevice = await request(server, 'POST', `/api/client/v2.0/app/${server.appId}/auth/providers/local-userpass/login`,
      { username: user.username, password: user.password });
    await server.revokeSessions(user.userId);
    for (const token of [user.refreshToken, secondDevice.body.refresh_token]) {
      const res = await request(server, 'POST', SESSION_PATH, undefined, token);
      expect(res.status).toBe(401);
      expect(res.body.error_code).toBe('InvalidSession');
    }
    expect((await request(server, 'POST', SESSION_PATH, undefined, other.refreshToken)).status).toBe(201);
  });

  it('answers an expired refresh token with 401 InvalidSession', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    server.shiftClock(121_000);
    try {
      const res = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error_code: 'InvalidSession', error: 'invalid session: token expired' });
    } finally {
      server.shiftClock(-121_000);
    }
  });

  it('answers a missing, garbled or access token on /auth/session with 401 InvalidSession', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    for (const token of [undefined, 'not-a-jwt', user.accessToken]) {
      const res = await request(server, 'POST', SESSION_PATH, undefined, token);
      expect(res.status).toBe(401);
      expect(res.body.error_code).toBe('InvalidSession');
      expect(JSON.stringify(res.body)).not.toContain(user.accessToken);
    }
  });
});
