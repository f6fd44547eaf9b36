import { describe, expect, it } from 'vitest';
import { authRequest } from '../../src/auth/auth-request.ts';
import { systemClock } from '../../src/platform/clock.ts';

// After an outage, Node's fetch may first reuse a pooled connection the outage cut: the request fails
// with ECONNRESET before any answer. A login is sent once more; a refresh never is (with rotating refresh
// tokens a second one could present a token the first already replaced).
function fetchThatResetsFirst(code = 'ECONNRESET') {
  const calls: string[] = [];
  const fetch = (async (url: string) => {
    calls.push(url);
    if (calls.length === 1) throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read reset'), { code }) });
    return new Response(JSON.stringify({ access_token: 'a' }), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const init = { method: 'POST', headers: {}, body: '{}' };

describe('a request cut by a stale pooled connection', () => {
  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])('a login is sent again once (%s)', async (code) => {
    const { fetch, calls } = fetchThatResetsFirst(code);
    const response = await authRequest({ fetch, clock: systemClock }, 'http://auth/login', init, 'login', []);
    expect(response.json).toEqual({ access_token: 'a' });
    expect(calls).toHaveLength(2);
  });

  it('a refresh is not: it fails as a network error, for the session to retry', async () => {
    const { fetch, calls } = fetchThatResetsFirst();
    await expect(authRequest({ fetch, clock: systemClock }, 'http://auth/session', init, 'refresh', [])).rejects.toMatchObject({ code: 'NETWORK' });
    expect(calls).toHaveLength(1);
  });

  it('a refused connection is not sent again: the server is down', async () => {
    const { fetch, calls } = fetchThatResetsFirst('ECONNREFUSED');
    await expect(authRequest({ fetch, clock: systemClock }, 'http://auth/login', init, 'login', [])).rejects.toMatchObject({ code: 'NETWORK' });
    expect(calls).toHaveLength(1);
  });
});
