import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, loginPath, PULL_TODO, PUSH_TODO, request, signedInUser, todo, type SignedInUser } from '../helpers/server-requests.ts';

const MAX_BODY = 64 * 1024;

/** Raw bodies for `/graphql`, by what is wrong with them, and the words the error must contain. */
function badGraphQLBodies(): Array<[string, unknown, number, string, string]> {
  const row = (doc: object) => ({ query: PUSH_TODO, variables: { rows: [{ newDocumentState: doc }] } });
  return [
    ['malformed JSON', '{"query": "{ pullTodo', 400, 'BAD_REQUEST', 'not valid JSON'],
    ['an empty body', '', 400, 'BAD_REQUEST', 'empty'],
    ['a JSON array', '[1, 2]', 400, 'BAD_REQUEST', 'JSON object'],
    ['no query', { variables: {} }, 400, 'BAD_REQUEST', '"query" must be a string'],
    ['variables that are not an object', { query: PULL_TODO, variables: 'limit=5' }, 400, 'BAD_REQUEST', '"variables"'],
    ['unparseable GraphQL', { query: 'query {' }, 400, 'GRAPHQL_VALIDATION_FAILED', 'Syntax Error'],
    ['an unknown collection', { query: '{ pullFoo(limit: 5) { documents { id } } }' }, 400, 'GRAPHQL_VALIDATION_FAILED', 'pullFoo'],
    ['a wrongly-typed variable', { query: PULL_TODO, variables: { checkpoint: null, limit: 'ten' } }, 400, 'BAD_USER_INPUT', '$limit'],
    ['a missing required field', row({ id: 'm1', done: false, deleted: false }), 400, 'BAD_USER_INPUT', 'title'],
    ['a wrongly-typed field', row({ id: 'm2', title: 'x', done: 'yes', deleted: false }), 400, 'BAD_USER_INPUT', 'Boolean'],
    ['an unknown field', row({ ...todo('m3'), color: 'red' }), 400, 'BAD_USER_INPUT', 'color'],
    ['a subscription over HTTP', { query: 'subscription { streamTodo { documents { id } } }' }, 400, 'BAD_REQUEST', 'websocket'],
    ['a body over the size limit', { query: PULL_TODO, variables: { checkpoint: null, limit: 1, pad: 'x'.repeat(MAX_BODY) } }, 413, 'BAD_REQUEST', `${MAX_BODY} bytes`],
  ];
}

describe.each(serverLanes)('bad input ($name)', (lane) => {
  let running: LaneServer;
  let user: SignedInUser;
  beforeAll(async () => {
    running = await startLaneServer(lane, { maxBodyBytes: MAX_BODY });
    user = await signedInUser(running.server);
  });
  afterAll(() => running.close());

  const stillAnswers = async () => {
    const res = await graphql(running.server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 10 });
    expect(res.status).toBe(200);
  };

  it.each(badGraphQLBodies())('refuses %s on /graphql with a clear error, writes nothing and keeps serving', async (_what, body, status, code, words) => {
    const { server } = running;
    const res = await request(server, 'POST', '/graphql', body, user.accessToken);
    expect(res.status).toBe(status);
    expect(res.body.errors[0].extensions.code).toBe(code);
    expect(res.body.errors.map((e: { message: string }) => e.message).join(' ')).toContain(words);
    expect(await server.readDocuments(user.userId, 'todo')).toEqual([]);
    await stillAnswers();
  });

  it('rejects a whole batch when one row is wrongly typed: nothing half-written', async () => {
    const { server } = running;
    const res = await graphql(server, user.accessToken, PUSH_TODO, {
      rows: [{ newDocumentState: todo('ok-1') }, { newDocumentState: { ...todo('bad-1'), done: 3 } }],
    });
    expect(res.status).toBe(400);
    expect(await server.readDocuments(user.userId, 'todo')).toEqual([]);
  });

  it('refuses an invalid limit with BAD_USER_INPUT', async () => {
    for (const limit of [0, -5, 1_000_000]) {
      const res = await graphql(running.server, user.accessToken, PULL_TODO, { checkpoint: null, limit });
      expect(res.status).toBe(200);
      expect(res.body.errors[0]).toMatchObject({ message: expect.stringContaining('limit'), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('refuses only the bad rows of a push (empty id, mismatched assumed id) with per-document BAD_USER_INPUT', async () => {
    const { server } = running;
    const other = await signedInUser(server);
    const res = await graphql(server, other.accessToken, PUSH_TODO, {
      rows: [
        { newDocumentState: todo('') },
        { assumedMasterState: { ...todo('a'), updatedAt: 1 }, newDocumentState: todo('b') },
        { newDocumentState: todo('good') },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data.pushTodo).toEqual([]);
    expect(res.body.errors.map((e: { extensions: object }) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', documentId: '' },
      { code: 'BAD_USER_INPUT', documentId: 'b' },
    ]);
    expect((await server.readDocuments(other.userId, 'todo')).map((d) => d.id)).toEqual(['good']);
  });

  it('refuses bad auth requests with 400/413 and App Services’ error shape', async () => {
    const { server } = running;
    const malformed = await request(server, 'POST', loginPath(server), '{"username": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'request body is not valid JSON', error_code: 'BadRequest' });
    const huge = await request(server, 'POST', loginPath(server), { username: 'x'.repeat(MAX_BODY), password: 'y' });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toContain(`${MAX_BODY} bytes`);
    await stillAnswers();
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    const { server } = running;
    expect((await request(server, 'GET', '/nothing-here')).status).toBe(404);
    expect((await request(server, 'GET', '/graphql')).status).toBe(405);
    expect((await request(server, 'GET', '/api/client/v2.0/app/%E0%A4%A/auth/providers/local-userpass/login')).status).toBe(404);
    await stillAnswers();
  });
});
