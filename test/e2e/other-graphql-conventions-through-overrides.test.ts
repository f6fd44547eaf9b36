import WebSocket from 'ws';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncClient } from '../../src/index.ts';
import type { SyncClient, SyncCollectionOptions } from '../../src/index.ts';
import { heroOperations, heroSchema } from '../sync/support/hero-operations.ts';
import { startHeroServer, type HeroServer } from '../sync/support/hero-server.ts';
import { uniqueDatabaseName, until } from './support/e2e-client.ts';

// The client talks to a differently shaped GraphQL server through collection overrides: RxDB's
// own example convention, pullHero(checkpoint, limit), pushHero(heroPushRow) and a stream that
// takes the headers as an argument (test/sync/support/hero-operations.ts); auth is a plain
// { login, refresh } object with opaque tokens.
describe('a server with other GraphQL conventions', () => {
  const token = 'hero-token';
  let server: HeroServer;
  const clients: SyncClient<{ hero: SyncCollectionOptions }>[] = [];

  const heroClient = async () => {
    const client = createSyncClient({
      auth: {
        login: async () => ({ accessToken: token, refreshToken: 'hero-refresh', userId: 'hero-user', expiresInSec: 3_600 }),
        refresh: async () => ({ accessToken: token, expiresInSec: 3_600 }),
      },
      graphql: { url: server.url, wsUrl: server.wsUrl },
      storage: getRxStorageMemory(),
      databaseName: uniqueDatabaseName(),
      collections: { hero: { schema: heroSchema, graphql: heroOperations } },
      sync: { webSocketImpl: WebSocket, multiInstance: false, pullIntervalMs: 3_600_000 },
      wakeSignals: false,
    });
    clients.push(client);
    await client.start();
    await client.login({ username: 'hero', password: 'any' });
    return client;
  };

  beforeAll(async () => {
    server = await startHeroServer(token);
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await server?.close();
  });

  it('pushes, pulls and streams through the overridden operations', async () => {
    const a = await heroClient();
    await a.collections.hero.bulkInsert([{ id: 'h1', name: 'Ada', color: 'red' }, { id: 'h2', color: 'blue' }]);
    await a.awaitInSync();
    expect(server.heroes().map((h) => [h.id, h.color])).toEqual([['h1', 'red'], ['h2', 'blue']]);

    const b = await heroClient();
    await b.awaitInSync();
    expect(await b.collections.hero.count().exec()).toBe(2);

    await a.collections.hero.insert({ id: 'h3', color: 'green' });
    await until(b.collections.hero.findOne('h3').$, (doc) => doc !== null, 'h3 streamed to b');
    expect(b.status).toMatchObject({ session: 'active', sync: 'running', syncError: null });
  });
});
