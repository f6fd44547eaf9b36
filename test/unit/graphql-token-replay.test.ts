import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionError, isSessionError } from '../../src/errors/session-error.ts';
import { createAuthenticatedGraphQL } from '../../src/graphql/authenticated-graphql.ts';
import { startHttpFixture, type FixtureReply, type HttpFixture, type SeenRequest } from './http-fixture.ts';
import { scriptedTokens } from './token-source-fixture.ts';

const QUERY = 'query Pull($limit: Int!) { pullTodo(limit: $limit) { documents { id } } }';
const DATA = { pullTodo: { documents: [{ id: 'a' }] } };
const unauthenticated = (status: number): FixtureReply => ({ status, body: { errors: [{ message: 'jwt expired', extensions: { code: 'UNAUTHENTICATED' } }] } });

let server: HttpFixture;
beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

/** A GraphQL endpoint that accepts only the given bearer tokens; others get `reject`. */
function acceptOnly(valid: string[], reject: FixtureReply) {
  return (request: SeenRequest): FixtureReply =>
    valid.some((token) => request.headers.authorization === `Bearer ${token}`) ? { status: 200, body: { data: DATA } } : reject;
}

describe('authenticated GraphQL: token attach, one refresh, one replay', () => {
  it('sends the token only in the Authorization header and reports the success', async () => {
    server.handle(acceptOnly(['tok-1'], unauthenticated(401)));
    const tokens = scriptedTokens(['tok-1']);
    const gql = createAuthenticatedGraphQL({ url: `${server.url}/graphql`, tokens });
    expect(await gql.request(QUERY, { limit: 10 })).toEqual(DATA);
    const [request] = server.requests;
    expect(request?.headers.authorization).toBe('Bearer tok-1');
    expect(JSON.parse(request?.body ?? '')).toEqual({ query: QUERY, variables: { limit: 10 } });
    expect(request?.body).not.toContain('tok-1');
    expect(tokens.acceptedCalls).toEqual([1]);
    expect(tokens.rejectedCalls).toEqual([]);
  });

  it.each([
    ['HTTP 401', unauthenticated(401)],
    ['HTTP 200 + UNAUTHENTICATED', unauthenticated(200)],
  ])('%s: reports the generation, takes the next token, replays once, succeeds', async (_name, reject) => {
    server.handle(acceptOnly(['tok-2'], reject));
    const tokens = scriptedTokens(['tok-1', 'tok-2']);
    const gql = createAuthenticatedGraphQL({ url: server.url, tokens });
    expect(await gql.request(QUERY, { limit: 1 })).toEqual(DATA);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(tokens.rejectedCalls).toEqual([1]);
    expect(tokens.acceptedCalls).toEqual([2]);
  });

  it('a second rejection surfaces as ACCESS_REJECTED after exactly two requests', async () => {
    server.handle(acceptOnly([], unauthenticated(401)));
    const tokens = scriptedTokens(['tok-1', 'tok-2', 'tok-3']);
    const gql = createAuthenticatedGraphQL({ url: server.url, tokens });
    const error = await gql.request(QUERY).catch((e: unknown) => e);
    expect(isSessionError(error, 'ACCESS_REJECTED')).toBe(true);
    expect(error).toMatchObject({ kind: 'accessRejected', status: 401 });
    expect(server.requests).toHaveLength(2);
    expect(tokens.rejectedCalls).toEqual([1, 2]);
    expect(tokens.acceptedCalls).toEqual([]);
  });

  it('concurrent requests that all fail with one generation each replay with the next token', async () => {
    server.handle(acceptOnly(['tok-2'], unauthenticated(401)));
    const tokens = scriptedTokens(['tok-1', 'tok-2', 'tok-3']);
    const gql = createAuthenticatedGraphQL({ url: server.url, tokens });
    const results = await Promise.all(Array.from({ length: 5 }, () => gql.request(QUERY)));
    expect(results).toEqual(Array(5).fill(DATA));
    // Five reports of generation 1; the source advanced once, so everyone replayed with tok-2.
    expect(tokens.rejectedCalls).toEqual([1, 1, 1, 1, 1]);
    expect(tokens.generation()).toBe(2);
    expect(server.requests).toHaveLength(10);
  });

  it('when the refresh ends in relogin, the replay is not sent and the relogin error surfaces', async () => {
    server.handle(acceptOnly([], unauthenticated(401)));
    const relogin = new SessionError('RELOGIN_REQUIRED', 'log in again', { kind: 'refreshRejected' });
    let calls = 0;
    const gql = createAuthenticatedGraphQL({
      url: server.url,
      tokens: { get: async () => (calls++ === 0 ? { token: 'tok-1', generation: 1 } : Promise.reject(relogin)), rejected: () => {}, accepted: () => {} },
    });
    await expect(gql.request(QUERY)).rejects.toBe(relogin);
    expect(server.requests).toHaveLength(1);
  });

  it('a token source that cannot give a token (relogin required) fails the request without sending it', async () => {
    const gql = createAuthenticatedGraphQL({
      url: server.url,
      tokens: { get: () => Promise.reject(new Error('RELOGIN_REQUIRED')), rejected: () => {}, accepted: () => {} },
    });
    await expect(gql.request(QUERY)).rejects.toThrow('RELOGIN_REQUIRED');
    expect(server.requests).toHaveLength(0);
  });
});
