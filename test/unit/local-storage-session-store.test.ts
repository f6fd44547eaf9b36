import { afterEach, describe, expect, it } from 'vitest';
import { localStorageSessionStore, type StorageLike } from '../../src/session/local-storage-session-store.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { storedSession } from './session-fixture.ts';

/** A Web Storage stand-in backed by a Map (Node has no localStorage). */
function mapStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
  };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (msg, data) => void warnings.push(`${msg} ${JSON.stringify(data)}`) };
}

describe('localStorageSessionStore', () => {
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('saves under its key, loads it back, and clears it', async () => {
    const storage = mapStorage();
    const store = localStorageSessionStore({ storage, key: 'app.session' });
    expect(await store.load()).toBeNull();
    await store.save(storedSession());
    expect([...storage.map.keys()]).toEqual(['app.session']);
    expect(await store.load()).toEqual(storedSession());
    await store.clear();
    expect(storage.map.size).toBe(0);
  });

  it('uses globalThis.localStorage and a default key when none are given', async () => {
    const storage = mapStorage();
    (globalThis as { localStorage?: unknown }).localStorage = storage;
    await localStorageSessionStore().save(storedSession());
    expect(storage.map.has('session-sync.session')).toBe(true);
  });

  it('fails clearly when there is no localStorage', () => {
    expect(() => localStorageSessionStore()).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('pass { storage }') }));
  });

  it.each([
    ['not JSON', '{"version":1,"userId":"u'],
    ['a wrong version', JSON.stringify({ ...storedSession(), version: 2 })],
    ['a wrong shape', JSON.stringify({ ...storedSession(), accessExpiresAt: 'soon' })],
    ['null', 'null'],
  ])('loads %s as null, logs it without the content, and leaves it in place', async (_name, text) => {
    const storage = mapStorage();
    storage.map.set('k', text);
    const logger = recordingLogger();
    const store = localStorageSessionStore({ storage, key: 'k', logger });
    expect(await store.load()).toBeNull();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).not.toContain('access-token-1');
    expect(storage.map.get('k')).toBe(text);
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
  });
});
