import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { indexedDbSessionStore } from '../../src/session/indexed-db-session-store.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { storedSession } from './session-fixture.ts';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (msg, data) => void warnings.push(`${msg} ${JSON.stringify(data)}`) };
}

/** Writes a raw value where the store keeps its session, as a corrupting extension or old version would. */
async function putRaw(factory: IDBFactory, databaseName: string, value: unknown): Promise<void> {
  const store = indexedDbSessionStore({ indexedDB: factory, databaseName });
  await store.clear(); // creates the database and its object store
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(databaseName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('session', 'readwrite');
    tx.objectStore('session').put(value, 'current');
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe('indexedDbSessionStore', () => {
  it('saves, loads back, and clears the session', async () => {
    const store = indexedDbSessionStore({ indexedDB: new IDBFactory() });
    expect(await store.load()).toBeNull();
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
    await store.clear();
    expect(await store.load()).toBeNull();
  });

  it('is shared by every store on one database (the tabs of one origin), and named after it', async () => {
    const factory = new IDBFactory();
    const tabA = indexedDbSessionStore({ indexedDB: factory, databaseName: 'app.session' });
    const tabB = indexedDbSessionStore({ indexedDB: factory, databaseName: 'app.session' });
    const otherApp = indexedDbSessionStore({ indexedDB: factory, databaseName: 'other.session' });
    await tabA.save(storedSession());
    // A save has committed when it resolves: the other tab reads it at once.
    expect(await tabB.load()).toEqual(storedSession());
    expect(await otherApp.load()).toBeNull();
    expect(tabA.name).toBe(tabB.name);
    expect(tabA.name).not.toBe(otherApp.name);
  });

  it('keeps the session across a reopen (a reload)', async () => {
    const factory = new IDBFactory();
    await indexedDbSessionStore({ indexedDB: factory }).save(storedSession({ userId: 'u-reload' }));
    expect((await indexedDbSessionStore({ indexedDB: factory }).load())?.userId).toBe('u-reload');
  });

  it('reopens after another tab deletes the database', async () => {
    const factory = new IDBFactory();
    const store = indexedDbSessionStore({ indexedDB: factory, databaseName: 'gone' });
    await store.save(storedSession());
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase('gone');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    expect(await store.load()).toBeNull();
    await store.save(storedSession({ userId: 'u-after' }));
    expect((await store.load())?.userId).toBe('u-after');
  });

  it('fails clearly when there is no IndexedDB', () => {
    expect(() => indexedDbSessionStore()).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('pass { indexedDB }') }),
    );
  });

  it.each([
    ['a wrong version', { ...storedSession(), version: 2 }],
    ['a wrong shape', { ...storedSession(), accessExpiresAt: 'soon' }],
    ['a string', 'not a session'],
  ])('loads %s as null and logs it without the content', async (_name, value) => {
    const factory = new IDBFactory();
    await putRaw(factory, 'corrupt', value);
    const logger = recordingLogger();
    const store = indexedDbSessionStore({ indexedDB: factory, databaseName: 'corrupt', logger });
    expect(await store.load()).toBeNull();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).not.toContain('access-token-1');
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
  });
});
