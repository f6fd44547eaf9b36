import { afterEach, describe, expect, it } from 'vitest';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import { isSessionError } from '../../src/errors/session-error.ts';
import { createFakeAuth } from './fake-auth.ts';
import { startGraphQLTestServer, type GraphQLTestServer } from './graphql-test-server.ts';

describe('a server that rejects every fresh token', () => {
  let server: GraphQLTestServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('ends in refreshExpired (accessRejectedAfterRefresh) with a typed error, after a bounded number of refreshes', async () => {
    const fake = await createFakeAuth();
    server = await startGraphQLTestServer(fake.acceptsAccess);
    const hook: unknown[] = [];
    client = createSyncClient({
      auth: fake.auth,
      graphql: { url: server.url },
      wakeSignals: false,
      maxRejectsAfterRefresh: 3,
      onReloginRequired: (info) => void hook.push(info),
    });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.rejectAllAccess = true;

    const errors: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      errors.push(await client.graphql.request('{ me { id } }').catch((e: unknown) => e));
      if (client.status.session === 'refreshExpired') break;
    }

    expect(client.status).toMatchObject({ session: 'refreshExpired', reloginReason: 'accessRejectedAfterRefresh' });
    expect(fake.calls.refresh).toBe(3);
    expect(hook).toEqual([expect.objectContaining({ userId: 'ann', reason: 'accessRejectedAfterRefresh' })]);
    expect(errors.every((e) => isSessionError(e))).toBe(true);
    const last = await client.graphql.request('{ me { id } }').catch((e: unknown) => e);
    expect(isSessionError(last, 'ACCESS_REJECTED_LOOP')).toBe(true);
    const before = server.stats.unauthorized;
    await client.getValidAccessToken().catch(() => undefined);
    expect(server.stats.unauthorized).toBe(before); // no request goes out any more
  });
});
