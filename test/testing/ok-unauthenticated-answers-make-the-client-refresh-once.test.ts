import { describe, expect, it } from 'vitest';
import { loginRaw, pullTodo, todoOps, signedInKitClient } from './support/kit-fixtures.ts';

// answerUnauthenticatedWith200 answers a refused token 200 + UNAUTHENTICATED (some gateways do);
// expireAccessTokens refuses the tokens issued so far. The client refreshes once and replays.
describe('200 + UNAUTHENTICATED', () => {
  const user = { username: 'eve@example.com', password: 'pw-eve-1' };
  const stage = signedInKitClient(user);

  it('is what a refused token gets while the knob is on', async () => {
    stage.server.answerUnauthenticatedWith200(true);
    const refused = await pullTodo(stage.server, 'not-a-token', null);
    expect(refused.status).toBe(200);
    expect(refused.json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    stage.server.answerUnauthenticatedWith200(false);
    expect((await pullTodo(stage.server, 'not-a-token', null)).status).toBe(401);
  });

  it('makes the client refresh once and replay the request', async () => {
    stage.server.answerUnauthenticatedWith200(true);
    try {
      const { json } = await loginRaw(stage.server, user.username, user.password);
      await stage.server.expireAccessTokens(stage.userId);
      expect((await pullTodo(stage.server, json.access_token, null)).json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      const before = stage.server.stats();
      const result = await stage.client.graphql.request<Record<string, unknown>>(todoOps.pull.query, todoOps.pull.variables(null, 10));
      expect(result).toHaveProperty('pullTodo');
      const after = stage.server.stats();
      expect(after.refreshes - before.refreshes).toBe(1);
      expect(after.graphqlAuthFailures - before.graphqlAuthFailures).toBeGreaterThanOrEqual(1);
      expect(stage.client.status.session).toBe('active');
    } finally {
      stage.server.answerUnauthenticatedWith200(false);
    }
  });
});
