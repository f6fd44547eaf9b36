import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, startLifecycleServer } from './support/lifecycle-server.ts';

// Servers write iat/exp in whole seconds, flooring the issue time: a token issued at hh:mm:ss.900 says
// iat = ss, so it really expires 0.9 s sooner than "received + (exp − iat)". A client that trusts that
// sum schedules its refresh late and serves a token the server already refuses (seen as 401s with
// 2 s tokens). The server clock is shifted by a known amount, so the real expiry in local time is exact.
describe('the access token expiry the client schedules by', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('is never later than the moment the server stops accepting the token, wherever in its second it was issued', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 60 });
    const ann = await createTestUser(server);
    client = clientFor(server);
    await client.login({ username: ann.username, password: ann.password });
    // The next token is issued a few ms after .500 of a server second: half a second is lost to flooring.
    const now = Date.now();
    const shift = (((500 - (now % 1000)) % 1000) + 1000) % 1000;
    server.shiftClock(shift);

    await client.refreshCustomData();

    const { exp } = decodeJwt(await client.getValidAccessToken());
    const realExpiryLocal = exp! * 1000 - shift;
    expect(client.status.accessExpiresAt).not.toBeNull();
    expect(client.status.accessExpiresAt!).toBeLessThanOrEqual(realExpiryLocal);
  });
});
