import { describe, expect, it } from 'vitest';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { storedSession } from './session-fixture.ts';

describe('memorySessionStore', () => {
  it('starts empty, saves, loads, and clears', async () => {
    const store = memorySessionStore();
    expect(await store.load()).toBeNull();
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
    await store.save(storedSession({ accessToken: 'access-token-2', refreshExpiresAt: 5 }));
    expect(await store.load()).toMatchObject({ accessToken: 'access-token-2', refreshExpiresAt: 5 });
    await store.clear();
    expect(await store.load()).toBeNull();
  });

  it('copies on save and load: callers cannot change what is stored', async () => {
    const store = memorySessionStore();
    const session = storedSession();
    await store.save(session);
    session.customData['plan'] = 'free';
    const loaded = await store.load();
    if (loaded) loaded.userId = 'someone-else';
    expect(await store.load()).toEqual(storedSession());
  });

  it('keeps separate stores separate', async () => {
    const a = memorySessionStore();
    const b = memorySessionStore();
    await a.save(storedSession());
    expect(await b.load()).toBeNull();
  });
});
