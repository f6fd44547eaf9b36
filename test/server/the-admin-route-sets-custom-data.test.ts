import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser } from '../integration/support/lifecycle-server.ts';
import { serverLanes, startLaneServer, startTestServer, type LaneServer } from '../helpers/server-lanes.ts';
import { customDataPath, request, SESSION_PATH, signedInUser } from '../helpers/server-requests.ts';

const ADMIN_KEY = 'admin-route-test-key-0123456789abcdefghij';

/** A PUT with a raw body, to send what JSON.stringify never would. */
async function putRaw(server: SyncServer, path: string, body: string, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.httpUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe.each(serverLanes)('the admin route ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  let client: SyncClient | undefined;
  beforeAll(async () => {
    running = await startLaneServer(lane, { adminKey: ADMIN_KEY });
    server = running.server;
  });
  afterAll(async () => {
    await client?.close();
    await running.close();
  });

  it('replaces custom data; the next access token carries it in user_data, and GET reads it', async () => {
    const user = await signedInUser(server, { plan: 'free' });
    expect(await request(server, 'PUT', customDataPath(user.userId), { plan: 'team', seats: 12, tags: ['béta', '😀'] }, ADMIN_KEY)).toMatchObject({ status: 204, body: undefined });
    expect(await request(server, 'GET', customDataPath(user.userId), undefined, ADMIN_KEY))
      .toMatchObject({ status: 200, body: { user_id: user.userId, custom_data: { plan: 'team', seats: 12, tags: ['béta', '😀'] } } });
    // The access token in hand keeps what it was issued with; the next one has the new data.
    expect(decodeJwt(user.accessToken).user_data).toEqual({ plan: 'free' });
    const refreshed = await request(server, 'POST', SESSION_PATH, undefined, user.refreshToken);
    expect(decodeJwt(refreshed.body.access_token).user_data).toEqual({ plan: 'team', seats: 12, tags: ['béta', '😀'] });
  });

  it('reaches session-sync’s client.refreshCustomData() and client.user', async () => {
    const ann = await createTestUser(server, { plan: 'free' });
    client = clientFor(server);
    await client.login({ username: ann.username, password: ann.password });
    expect(client.user?.customData).toEqual({ plan: 'free' });
    expect((await request(server, 'PUT', customDataPath(ann.userId), { plan: 'pro' }, ADMIN_KEY)).status).toBe(204);
    await expect(client.refreshCustomData()).resolves.toEqual({ plan: 'pro' });
    expect(client.user?.customData).toEqual({ plan: 'pro' });
    await client.close();
    client = undefined;
  });

  it('answers 401 Unauthorized without the right key, and changes nothing', async () => {
    const user = await signedInUser(server, { plan: 'free' });
    for (const key of [undefined, 'wrong', `${ADMIN_KEY}x`, ADMIN_KEY.slice(0, -1), user.accessToken]) {
      const res = await request(server, 'PUT', customDataPath(user.userId), { plan: 'stolen' }, key);
      expect(res.status).toBe(401);
      expect(res.body.error_code).toBe('Unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await request(server, 'GET', customDataPath(user.userId), undefined, 'wrong')).status).toBe(401);
    expect((await request(server, 'GET', customDataPath(user.userId), undefined, ADMIN_KEY)).body.custom_data).toEqual({ plan: 'free' });
  });

  it('refuses bad input with a clear 4xx', async () => {
    const user = await signedInUser(server);
    const put = (body: unknown) => request(server, 'PUT', customDataPath(user.userId), body, ADMIN_KEY);
    expect(await put(['pro'])).toMatchObject({ status: 400, body: { error_code: 'BadRequest', error: 'custom data must be a JSON object' } });
    expect(await put('"pro"')).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await put('null')).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await put('{"plan":')).toMatchObject({ status: 400, body: { error_code: 'BadRequest', error: 'request body is not valid JSON' } });
    expect(await put({ note: 'x'.repeat(5000) })).toMatchObject({ status: 400, body: { error: expect.stringContaining('at most 4096 bytes') } });
    expect(await put({ note: 'a\u0000b' })).toMatchObject({ status: 400, body: { error: expect.stringContaining('NUL') } });
    expect(await putRaw(server, customDataPath(user.userId), '{"note":"\\ud83d"}')).toMatchObject({ status: 400, body: { error: expect.stringContaining('lone UTF-16 surrogate') } });
    expect((await put({ note: 'x'.repeat(20_000) })).status).toBe(413);
    expect(await request(server, 'PUT', customDataPath('0'.repeat(24)), { plan: 'pro' }, ADMIN_KEY)).toMatchObject({ status: 404, body: { error_code: 'UserNotFound' } });
    expect(await request(server, 'PUT', '/api/admin/v1/users/%00/custom-data', { plan: 'pro' }, ADMIN_KEY)).toMatchObject({ status: 404, body: { error_code: 'UserNotFound' } });
    expect((await request(server, 'DELETE', customDataPath(user.userId), undefined, ADMIN_KEY)).status).toBe(405);
    // Nothing of the above was stored.
    expect((await request(server, 'GET', customDataPath(user.userId), undefined, ADMIN_KEY)).body.custom_data).toEqual({});
  });

  it('applies the same rules to the server method', async () => {
    const user = await signedInUser(server);
    await expect(server.setCustomData(user.userId, { note: 'x'.repeat(5000) })).rejects.toThrow('at most 4096 bytes');
    await expect(server.setCustomData('0'.repeat(24), {})).rejects.toThrow('user not found');
  });
});

describe('without an admin key', () => {
  it('has no admin API: 404 NotFound saying how to turn it on', async () => {
    const server = await startTestServer();
    try {
      const user = await signedInUser(server);
      for (const key of [undefined, 'anything']) {
        const res = await request(server, 'PUT', customDataPath(user.userId), { plan: 'pro' }, key);
        expect(res).toMatchObject({ status: 404, body: { error_code: 'NotFound', error: expect.stringContaining('ADMIN_KEY') } });
      }
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a key short enough to guess', async () => {
    await expect(startTestServer({ adminKey: 'short-key' })).rejects.toThrow('at least 32 characters');
  });
});
