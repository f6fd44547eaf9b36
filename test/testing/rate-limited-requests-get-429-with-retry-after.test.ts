import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, loginRaw, type TodoClient } from './support/kit-fixtures.ts';

// rateLimit answers 429 with Retry-After, auth and GraphQL alike: a throttled login says when to try
// again, and a throttled client waits instead of logging out.
describe('rateLimit', () => {
  let server: InMemoryServer;
  let client: TodoClient;
  let userId: string;
  const user = { username: 'fay@example.com', password: 'pw-fay-1' };
  beforeAll(async () => {
    server = await startInMemoryServer();
    ({ userId } = await server.createUser(user));
    client = kitClient(server);
    await client.start();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('answers the next `count` requests 429 with Retry-After', async () => {
    server.rateLimit({ retryAfterSec: 7, count: 1 });
    const res = await fetch(`${server.authUrl}/app/${server.appId}/auth/providers/local-userpass/login`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ error_code: 'TooManyRequests' });
    expect((await loginRaw(server, user.username, user.password)).status).toBe(200);
    expect(server.stats().rateLimited).toBe(1);
  });

  it('makes a login fail as RATE_LIMITED and keeps a signed-in client signed in', async () => {
    server.rateLimit({ retryAfterSec: 1 });
    await expect(client.login(user)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    server.rateLimit(null);
    await client.login(user);
    await client.awaitInSync();

    server.rateLimit({ retryAfterSec: 1, count: 2 });
    await client.collections.todo.insert({ id: 'r1', title: 'later', done: false });
    await client.awaitInSync();
    expect((await server.readDocuments(userId, 'todo')).map((d) => d.id)).toEqual(['r1']);
    expect(client.status.session).toBe('active');
    expect(server.stats().rateLimited).toBeGreaterThanOrEqual(3);
  });
});
