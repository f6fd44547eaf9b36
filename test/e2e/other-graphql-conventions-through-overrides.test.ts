import WebSocket from 'ws';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { RxJsonSchema } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncClient } from '../../src/index.ts';
import type { CollectionOperations, SyncClient, SyncCollectionOptions } from '../../src/index.ts';
import { startHeroServer, type HeroServer } from '../sync/support/hero-server.ts';
import { uniqueDatabaseName, until } from './support/e2e-client.ts';

// The client talks to a differently shaped GraphQL server through collection overrides: RxDB's
// own example convention, pullHero(checkpoint, limit), pushHero(heroPushRow) and a stream that
// takes the headers as an argument; auth is a plain { login, refresh } object with opaque tokens.
const heroSchema: RxJsonSchema<any> = {
  version: 0, primaryKey: 'id', type: 'object', required: ['id', 'color'],
  properties: { id: { type: 'string', maxLength: 100 }, name: { type: 'string' }, color: { type: 'string' }, updatedAt: { type: 'number' } },
};
const FIELDS = 'id name color updatedAt deleted';
const heroOperations: CollectionOperations = {
  pull: {
    query: `query PullHero($checkpoint: HeroInputCheckpoint, $limit: Int!) { pullHero(checkpoint: $checkpoint, limit: $limit) { documents { ${FIELDS} } checkpoint { id updatedAt } } }`,
    variables: (checkpoint, limit) => ({ checkpoint: checkpoint ?? null, limit }),
    data: (data) => data['pullHero'] as never,
  },
  push: {
    query: `mutation PushHero($heroPushRow: [HeroInputPushRow]) { pushHero(heroPushRow: $heroPushRow) { ${FIELDS} } }`,
    variables: (rows) => ({ heroPushRow: rows }),
    data: (data) => data['pushHero'] as never,
  },
  stream: {
    query: `subscription onStream($headers: HeroInputHeaders) { streamHero(headers: $headers) { documents { ${FIELDS} } checkpoint { id updatedAt } } }`,
    variables: ({ authorization }) => ({ headers: { Authorization: authorization } }),
    data: (data) => data['streamHero'] as never,
  },
};

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
