import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('refreshCustomData', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('forces a refresh and returns the custom data of the new token', async () => {
    const fake = await createFakeAuth({ customData: { plan: 'free' } });
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.customData = { plan: 'pro' };
    expect(await client.refreshCustomData()).toEqual({ plan: 'pro' });
    expect(client.user?.customData).toEqual({ plan: 'pro' });
    expect(fake.calls.refresh).toBe(1);
    expect(client.status.session).toBe('active');
    await client.close();
  });

  it('offline rejects with NETWORK but keeps the user signed in', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    fake.state.offline = true;
    await expect(client.refreshCustomData()).rejects.toMatchObject({ code: 'NETWORK' });
    expect(client.status.session).toBe('refreshing');
    expect(client.user?.id).toBe('ann');
    await client.close();
  });

  it('rejects with NOT_LOGGED_IN when nobody is logged in', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await expect(client.refreshCustomData()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
    await client.close();
  });
});
