import { describe, expect, it } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import type { SyncClientOptions } from '../../src/client/sync-client-options.ts';
import { isSessionError } from '../../src/errors/session-error.ts';

const auth = { login: async () => ({ accessToken: 'x' }), refresh: async () => ({ accessToken: 'x' }) };

describe('createSyncClient option validation', () => {
  it.each([
    ['auth', { auth: {} }],
    ['auth', { auth: { login: () => {} } }],
    ['graphql.url', { auth, graphql: { url: 'not a url' } }],
    ['graphql.wsUrl', { auth, graphql: { url: 'http://127.0.0.1/graphql', wsUrl: 3 } }],
    ['sessionStore', { auth, sessionStore: { load() {} } }],
    ['refreshMarginMs', { auth, refreshMarginMs: -1 }],
    ['refreshMarginMs', { auth, refreshMarginMs: Number.NaN }],
    ['maxRejectsAfterRefresh', { auth, maxRejectsAfterRefresh: 0 }],
    ['clock', { auth, clock: { now: 5 } }],
    ['logger', { auth, logger: { info() {} } }],
    ['inspect', { auth, inspect: 'yes' }],
    ['onReloginRequired', { auth, onReloginRequired: 'call me' }],
    ['fetch', { auth, fetch: {} }],
    ['wakeSignals', { auth, wakeSignals: 'on' }],
  ])('rejects a bad %s with INVALID_OPTION naming it', (option, options) => {
    let error: unknown;
    try {
      createSyncClient(options as unknown as SyncClientOptions);
    } catch (e) {
      error = e;
    }
    expect(isSessionError(error, 'INVALID_OPTION')).toBe(true);
    expect((error as Error).message).toContain(`options.${option}:`);
  });

  it('never echoes a string value into the message', () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(() => createSyncClient({ auth, logger: secret } as unknown as SyncClientOptions)).toThrow(/got string/);
    try {
      createSyncClient({ auth, logger: secret } as unknown as SyncClientOptions);
    } catch (e) {
      expect(JSON.stringify(e) + String(e)).not.toContain(secret);
    }
  });

  it('works with only auth: memory store, silent logger, 60 s margin; graphql without an endpoint is a typed error', async () => {
    const client = createSyncClient({ auth, wakeSignals: false });
    expect((await client.start()).session).toBe('loggedOut');
    expect(client.actor.getSnapshot().context.refreshMarginMs).toBe(60_000);
    await expect(client.graphql.request('{ me }')).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await client.close();
  });
});
