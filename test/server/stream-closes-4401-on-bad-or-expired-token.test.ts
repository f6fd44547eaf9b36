import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { signedInUser } from '../helpers/server-requests.ts';
import { openStream } from '../helpers/server-stream.ts';

describe.each(serverLanes)('websocket auth ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { accessTokenTtlSec: 60 });
  });
  afterAll(() => running.close());

  it('closes with 4401 when connectionParams carry no token', async () => {
    const stream = openStream(running.server, undefined);
    await expect(stream.acknowledged).rejects.toThrow('4401');
    expect((await stream.closed)).toEqual({ code: 4401, reason: 'missing connectionParams.authorization' });
  });

  it('closes with 4401 for a tampered token and for a refresh token', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const tampered = `${user.accessToken.slice(0, -4)}AAAA`;
    for (const token of [tampered, user.refreshToken]) {
      const stream = openStream(server, { authorization: `Bearer ${token}` });
      const closed = await stream.closed;
      expect(closed.code).toBe(4401);
      expect(closed.reason).not.toContain(token);
    }
  });

  it('closes with 4401 at connect when the token has already expired', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    server.shiftClock(61_000);
    try {
      const stream = openStream(server, { authorization: `Bearer ${user.accessToken}` });
      expect(await stream.closed).toEqual({ code: 4401, reason: 'access token rejected: token expired' });
    } finally {
      server.shiftClock(-61_000);
    }
  });

  it('closes a connected socket with 4401 the moment its token expires, and counts it', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const stream = openStream(server, { authorization: `Bearer ${user.accessToken}` });
    await stream.acknowledged;
    stream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    const before = server.stats().streamAuthCloses;
    server.shiftClock(30_000);
    const stillOpen = await Promise.race([stream.closed, Promise.resolve('open')]);
    expect(stillOpen).toBe('open');
    server.shiftClock(31_000);
    try {
      expect(await stream.closed).toEqual({ code: 4401, reason: 'access token expired' });
      expect(server.stats().streamAuthCloses).toBe(before + 1);
      await vi.waitFor(() => expect(server.stats().activeStreams).toBe(0));
    } finally {
      server.shiftClock(-61_000);
    }
  });

  it('accepts RxDB’s includeWsHeaders shape, connectionParams.headers.Authorization', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const stream = openStream(server, { headers: { Authorization: `Bearer ${user.accessToken}` } });
    await stream.acknowledged;
    stream.close();
    expect((await stream.closed).code).toBe(1000);
  });
});
