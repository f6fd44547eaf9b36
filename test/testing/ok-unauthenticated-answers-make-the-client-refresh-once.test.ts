import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, loginRaw, pullTodo, todoOps, type TodoClient } from './support/kit-fixtures.ts';

// answerUnauthenticatedWith200 answers a refused token 200 + UNAUTHENTICATED (some gateways do);
// expireAccessTokens refuses the tokens issued so far. The client refreshes once and replays.
describe('200 + UNAUTHENTICATED', () => {
  let server: InMemoryServer;
  let client: TodoClient;
  let userId: string;
  const user = { username: 'eve@example.com', password: 'pw-eve-1' };
  beforeAll(async () => {
    server = await startInMemoryServer();
    ({ userId } = await server.createUser(user));
    client = kitClient(server);
    await client.start();
    await client.login(user);
    await client.awaitInSync();
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('is what a refused token gets while the knob is on', async () => {
    server.answerUnauthenticatedWith200(true);
    const refused = await pullTodo(server, 'not-a-token', null);
    expect(refused.status).toBe(200);
    expect(refused.json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    server.answerUnauthenticatedWith200(false);
    expect((await pullTodo(server, 'not-a-token', null)).status).toBe(401);
  });

  it('makes the client refresh once and replay the request', async () => {
    server.answerUnauthenticatedWith200(true);
    try {
      const { json } = await loginRaw(server, user.username, user.password);
      await server.expireAccessTokens(userId);
      expect((await pullTodo(server, json.access_token, null)).json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      const before = server.stats();
      const result = await client.graphql.request<Record<string, unknown>>(todoOps.pull.query, todoOps.pull.variables(null, 10));
      expect(result).toHaveProperty('pullTodo');
      const after = server.stats();
      expect(after.refreshes - before.refreshes).toBe(1);
      expect(after.graphqlAuthFailures - before.graphqlAuthFailures).toBeGreaterThanOrEqual(1);
      expect(client.status.session).toBe('active');
    } finally {
      server.answerUnauthenticatedWith200(false);
    }
  });
});
