import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSessionError, type SessionError } from '../../src/errors/session-error.ts';
import { createAuthenticatedGraphQL } from '../../src/graphql/authenticated-graphql.ts';
import { refusedUrl, startHttpFixture, type HttpFixture } from './http-fixture.ts';
import { scriptedTokens } from './token-source-fixture.ts';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Y2FuYXJ5LXNpZ25hdHVyZQ';
const VARIABLE = 'canary-variable-value';
const QUERY = 'mutation Push($title: String!) { pushTodo(rows: [{ newDocumentState: { title: $title } }]) { id } }';

let server: HttpFixture;
beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

async function failure(url: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SessionError> {
  const tokens = scriptedTokens([TOKEN]);
  const gql = createAuthenticatedGraphQL({ url, tokens, ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) });
  const error = await gql.request(QUERY, { title: VARIABLE }, opts.signal ? { signal: opts.signal } : {}).catch((e: unknown) => e);
  if (!isSessionError(error)) throw new Error(`expected a SessionError, got ${String(error)}`);
  // Whatever went wrong, neither the token nor the variables are in the error.
  const visible = `${error.message} ${JSON.stringify(error)} ${String(error)}`;
  expect(visible).not.toContain(TOKEN);
  expect(visible).not.toContain(VARIABLE);
  expect(tokens.rejectedCalls).toEqual([]);
  return error;
}

describe('authenticated GraphQL: failures surface as classified SessionErrors', () => {
  it('500 → NETWORK (transient)', async () => {
    server.handle(() => ({ status: 500, body: { errors: [{ message: 'db down' }] } }));
    expect(await failure(server.url)).toMatchObject({ code: 'NETWORK', kind: 'transient', status: 500 });
  });

  it('429 with Retry-After → RATE_LIMITED with the delay', async () => {
    server.handle(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    expect(await failure(server.url)).toMatchObject({ code: 'RATE_LIMITED', kind: 'rateLimited', retryAfterMs: 30_000 });
  });

  it('a body cut off mid-way → NETWORK (transient)', async () => {
    server.handle(() => ({ truncate: '{"data":{"pushTodo":[{"id":' }));
    expect(await failure(server.url)).toMatchObject({ code: 'NETWORK', kind: 'transient' });
  });

  it('a non-JSON 200 (captive portal) → NETWORK (transient)', async () => {
    server.handle(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>Sign in to Wi-Fi</html>' }));
    expect(await failure(server.url)).toMatchObject({ kind: 'transient' });
  });

  it('connection refused → NETWORK (transient)', async () => {
    expect(await failure(await refusedUrl())).toMatchObject({ code: 'NETWORK', kind: 'transient' });
  });

  it('403 → REQUEST_REJECTED, not a token problem', async () => {
    server.handle(() => ({ status: 403, body: { errors: [{ message: 'forbidden', extensions: { code: 'FORBIDDEN' } }] } }));
    expect(await failure(server.url)).toMatchObject({ code: 'REQUEST_REJECTED', kind: 'rejected', status: 403 });
  });

  it('a validation error echoing a variable → REQUEST_REJECTED with the value blanked', async () => {
    server.handle(() => ({ status: 400, body: { errors: [{ message: `Variable "$title" got invalid value "${VARIABLE}"`, extensions: { code: 'BAD_USER_INPUT' } }] } }));
    const error = await failure(server.url);
    expect(error).toMatchObject({ code: 'REQUEST_REJECTED', kind: 'rejected' });
    expect(error.message).toContain('Variable "$title" got invalid value');
  });

  it('a 200 with neither data nor errors → PROTOCOL', async () => {
    server.handle(() => ({ status: 200, body: { result: 'ok' } }));
    expect(await failure(server.url)).toMatchObject({ code: 'PROTOCOL', kind: 'protocol' });
  });

  it("the caller's abort signal cancels the request → NETWORK (transient)", async () => {
    server.handle(() => new Promise(() => {}));
    const controller = new AbortController();
    const pending = failure(server.url, { signal: controller.signal });
    await vi.waitUntil(() => server.requests.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'transient', message: 'request aborted' });
  });

  describe('with fake timers', () => {
    beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
    afterEach(() => vi.useRealTimers());

    it('a server that never answers times out → NETWORK (transient)', async () => {
      // (vi.waitUntil would advance the fake clock itself: wait on the server instead.)
      const arrived = new Promise<void>((resolve) => server.handle(() => (resolve(), new Promise(() => {}))));
      const pending = failure(server.url, { timeoutMs: 5_000 });
      await arrived;
      let settled = false;
      void pending.finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await pending).toMatchObject({ kind: 'transient', message: 'request timed out' });
    });
  });
});

describe('authenticated GraphQL: errors next to data', () => {
  const partial = {
    data: { pushTodo: [] },
    errors: [{ message: 'not yours', path: ['pushTodo', 0], extensions: { code: 'FORBIDDEN', documentId: 'doc-9' } }],
  };

  it('execute returns per-document refusals with the data and reports the token as accepted', async () => {
    server.handle(() => ({ status: 200, body: partial }));
    const tokens = scriptedTokens([TOKEN]);
    const result = await createAuthenticatedGraphQL({ url: server.url, tokens }).execute(QUERY, { title: 'x' });
    expect(result).toEqual(partial);
    expect(tokens.acceptedCalls).toEqual([1]);
  });

  it('request treats any error as a failure', async () => {
    server.handle(() => ({ status: 200, body: partial }));
    const gql = createAuthenticatedGraphQL({ url: server.url, tokens: scriptedTokens([TOKEN]) });
    await expect(gql.request(QUERY, { title: 'x' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED', kind: 'rejected' });
  });
});
