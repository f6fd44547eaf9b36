import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { loginRaw, pullTodo } from './support/kit-fixtures.ts';

// shiftClock moves the server's time: an access token outlives its lifetime at once, and a refresh
// token too, without waiting.
describe('a shifted server clock', () => {
  let server: InMemoryServer;
  beforeAll(async () => {
    server = await startInMemoryServer({ accessTokenTtlSec: 60, refreshTokenTtlSec: 600 });
    await server.createUser({ username: 'dee@example.com', password: 'pw-dee-1' });
  });
  afterAll(() => server?.close());

  it('expires access tokens, then refresh tokens', async () => {
    const { json } = await loginRaw(server, 'dee@example.com', 'pw-dee-1');
    expect((await pullTodo(server, json.access_token, null)).status).toBe(200);
    server.shiftClock(61_000);
    const expired = await pullTodo(server, json.access_token, null);
    expect(expired.status).toBe(401);
    expect(expired.json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const refresh = () => fetch(`${server.authUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${json.refresh_token}` } });
    expect((await refresh()).status).toBe(201);
    server.shiftClock(600_000);
    const late = await refresh();
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error_code: 'InvalidSession' });
  });
});
