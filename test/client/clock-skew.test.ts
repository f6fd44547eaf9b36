import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt } from 'jose';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { createFakeAuth } from './fake-auth.ts';

const MINUTE = 60_000;

describe.each([
  ['server 10 minutes ahead', 10 * MINUTE],
  ['server 10 minutes behind', -10 * MINUTE],
])('clock skew: %s', (_, skewMs) => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('refreshes once per lifetime (no loop) and never hands out a token the server considers expired', async () => {
    // 5-minute tokens: a 10-minute skew is twice their lifetime.
    const fake = await createFakeAuth({ accessTtlSec: 300, skewMs });
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });

    const refused: number[] = [];
    for (let second = 0; second < 3600; second += 15) {
      const token = await client.getValidAccessToken();
      // Judged by the server's own (skewed) clock at the moment the token is handed out.
      if (!fake.acceptsAccess(token)) refused.push(decodeJwt(token).exp!);
      await vi.advanceTimersByTimeAsync(15_000);
    }
    expect(refused).toEqual([]);
    // One refresh every lifetime − margin (4 min) over the hour, not one per tick.
    expect(fake.calls.refresh).toBe(15);
    expect(client.status.accessExpiresAt! - Date.now()).toBeGreaterThan(0);
    await client.close();
  });
});
