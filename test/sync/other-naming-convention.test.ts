import WebSocket from 'ws';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncEngine } from '../../src/sync/sync-engine.ts';
import type { TokenSource } from '../../src/sync/sync-transport.ts';
import { openUserDatabase } from '../../src/sync/user-database.ts';
import { heroOperations, heroSchema } from './support/hero-operations.ts';
import { startHeroServer } from './support/hero-server.ts';
import type { HeroServer } from './support/hero-server.ts';
import { until } from './support/until.ts';

// Collection overrides let the layer talk to a server with other conventions: here RxDB's own
// example (pullHero(checkpoint, limit), pushHero(heroPushRow), streamHero(headers)).
describe('a server with another naming convention', () => {
  const token = 'hero-token';
  const tokens: TokenSource = { get: async () => ({ token, generation: 1 }), rejected() {}, accepted() {} };
  let server: HeroServer;
  const devices: { sync: SyncEngine; close(): Promise<void> }[] = [];
  const failures: unknown[] = [];

  const openHeroDevice = async (name: string) => {
    const db = await openUserDatabase({
      storage: getRxStorageMemory(), databaseName: `${name}-${process.pid}`, userId: 'hero-user',
      collections: { hero: { schema: heroSchema } }, multiInstance: false,
    });
    const sync = new SyncEngine({
      database: db, collections: { hero: { schema: heroSchema, graphql: heroOperations } },
      graphqlUrl: server.url, wsUrl: server.wsUrl, webSocketImpl: WebSocket, tokens, pullIntervalMs: 3_600_000,
      onFailure: (failure) => failures.push(failure),
    });
    await sync.open();
    await sync.resume();
    const device = { db, sync, close: async () => { await sync.close(); await db.close(); } };
    devices.push(device);
    return device;
  };

  beforeAll(async () => {
    server = await startHeroServer(token);
  });

  afterAll(async () => {
    for (const device of devices) await device.close();
    await server?.close();
  });

  it('pushes, pulls and streams through the overridden operations', async () => {
    const a = await openHeroDevice('hero-a');
    await a.db.collections.hero!.bulkInsert([{ id: 'h1', name: 'Ada', color: 'red' }, { id: 'h2', color: 'blue' }]);
    await a.sync.awaitInSync();
    expect(server.heroes().map((h) => [h.id, h.color])).toEqual([['h1', 'red'], ['h2', 'blue']]);

    const b = await openHeroDevice('hero-b');
    await b.sync.awaitInSync();
    expect(await b.db.collections.hero!.count().exec()).toBe(2);
    // The null name of h2 arrives as an absent field, as RxDB wants it.
    expect((await b.db.collections.hero!.findOne('h2').exec())!.toJSON()).not.toHaveProperty('name');

    await a.db.collections.hero!.insert({ id: 'h3', color: 'green' });
    await until(b.db.collections.hero!.findOne('h3').$, (doc) => doc !== null);
    // Delivered by the live subscription: no failure, so no reconnect-and-resync carried it.
    expect(failures).toEqual([]);
  });
});
