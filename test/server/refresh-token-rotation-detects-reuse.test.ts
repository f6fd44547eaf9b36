import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { request, SESSION_PATH, signedInUser } from '../helpers/server-requests.ts';

describe.each(serverLanes)('refresh-token rotation ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { rotateRefreshTokens: true });
  });
  afterAll(() => running.close());

  it('returns a new refresh token on each refresh, and the new one keeps working', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const first = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(first.status).toBe(201);
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(first.body.refresh_token).not.toBe(user.refreshToken);
    const second = await request(server, 'POST', SESSION_PATH, undefined, first.body.refresh_token);
    expect(second.status).toBe(201);
  });

  it('revokes the whole session when a replaced refresh token is presented again', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const rotated = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    const reuse = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error_code).toBe('InvalidSession');
    // The thief's copy and the legitimate rotated token die together.
    const legit = await request(server, 'POST', SESSION_PATH, undefined, rotated.body.refresh_token);
    expect(legit.status).toBe(401);
    expect(legit.body.error_code).toBe('InvalidSession');
  });

  it('lets exactly one of two simultaneous refreshes with the same token win', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const answers = await Promise.all([1, 2].map(() => request(server, 'POST', SESSION_PATH, undefined, user.refreshToken)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 401]);
  });
});
