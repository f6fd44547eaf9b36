import { afterEach, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, startLifecycleServer } from './support/lifecycle-server.ts';

describe('refreshCustomData()', () => {
  let server: SyncServer | undefined;
  let client: SyncClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('returns the custom data the server holds now, with one refresh, and client.user shows it', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 60 });
    const ann = await createTestUser(server, { plan: 'free' });
    client = clientFor(server);
    await client.login({ username: ann.username, password: ann.password });
    expect(client.user?.customData).toEqual({ plan: 'free' });

    await server.setCustomData(ann.userId, { plan: 'pro', seats: 5 });
    const before = server.stats().refreshes;
    expect(client.user?.customData).toEqual({ plan: 'free' });

    await expect(client.refreshCustomData()).resolves.toEqual({ plan: 'pro', seats: 5 });
    expect(client.user).toMatchObject({ id: ann.userId, customData: { plan: 'pro', seats: 5 } });
    expect(server.stats().refreshes).toBe(before + 1);
    expect(client.status.session).toBe('active');
  });
});
