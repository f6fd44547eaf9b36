import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSyncClient } from '../../src/client/sync-client.ts';
import { createFakeAuth } from './fake-auth.ts';

describe('devtools inspection', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('the inspect option sees the session actor from its registration on, through every state', async () => {
    const fake = await createFakeAuth();
    const events: InspectionEvent[] = [];
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false, inspect: (e) => void events.push(e) });
    await client.start();
    await client.login({ username: 'ann', password: 'pw' });
    await client.logout();
    await client.close();

    expect(events[0]).toMatchObject({ type: '@xstate.actor' });
    expect(events[0]!.actorRef).toBe(client.actor as unknown);
    const values = events
      .filter((e): e is Extract<InspectionEvent, { type: '@xstate.snapshot' }> => e.type === '@xstate.snapshot' && e.actorRef === (client.actor as unknown))
      .map((e) => JSON.stringify((e.snapshot as unknown as { value: unknown }).value));
    expect(values).toContain('"loggedOut"');
    expect(values).toContain('{"signedIn":"active"}');
    expect(values).toContain('"loggingOut"');
  });

  it('client.actor is the running actor, with tags for late subscribers', async () => {
    const fake = await createFakeAuth();
    const client = createSyncClient({ auth: fake.auth, wakeSignals: false });
    await client.login({ username: 'ann', password: 'pw' });
    expect(client.actor.getSnapshot().matches({ signedIn: 'active' })).toBe(true);
    expect(client.actor.getSnapshot().hasTag('reloginRequired')).toBe(false);
    await client.close();
  });
});
