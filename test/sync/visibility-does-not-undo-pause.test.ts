import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncEngine } from '../../src/sync/sync-engine.ts';
import type { TokenSource } from '../../src/sync/sync-transport.ts';
import { openUserDatabase } from '../../src/sync/user-database.ts';
import { startHeroServer } from './support/hero-server.ts';
import type { HeroServer } from './support/hero-server.ts';
import { until } from './support/until.ts';

// RxDB's toggleOnDocumentVisible calls start() whenever a tab becomes visible, which would undo
// the session's pause (refreshExpired). A browser-like document shows that it no longer does.
const heroSchema = {
  version: 0, primaryKey: 'id', type: 'object' as const, required: ['id', 'color'],
  properties: { id: { type: 'string' as const, maxLength: 100 }, color: { type: 'string' as const }, updatedAt: { type: 'number' as const } },
};

class FakeDocument extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
  show(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('a tab becoming visible', () => {
  const fakeDocument = new FakeDocument();
  let server: HeroServer;
  let requests = 0;
  let sync: SyncEngine;
  let close: () => Promise<void>;

  beforeAll(async () => {
    (globalThis as { document?: unknown }).document = fakeDocument;
    server = await startHeroServer('t');
    const tokens: TokenSource = { get: async () => ({ token: 't', generation: 1 }), rejected() {}, accepted() {} };
    const db = await openUserDatabase({
      storage: getRxStorageMemory(), databaseName: `visible-${process.pid}`, userId: 'u',
      collections: { hero: { schema: heroSchema } }, multiInstance: false,
    });
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    sync = new SyncEngine({ database: db, collections: { hero: { schema: heroSchema, graphql: heroOps() } }, graphqlUrl: server.url, tokens, fetch: counting, pullIntervalMs: 3_600_000 });
    await sync.open();
    await sync.resume();
    await sync.awaitInSync();
    close = async () => {
      await sync.close();
      await db.close();
    };
  });

  afterAll(async () => {
    await close?.();
    await server?.close();
    delete (globalThis as { document?: unknown }).document;
  });

  it('leaves a paused replication paused and silent', async () => {
    await sync.pause();
    const before = requests;
    fakeDocument.show('hidden');
    fakeDocument.show('visible');
    await sync.collections.hero!.rxReplication.collection.insert({ id: 'h1', color: 'red' });
    await sync.pendingWrites();
    expect(sync.status.sync).toBe('paused');
    expect(requests).toBe(before);

    await sync.resume();
    await sync.awaitInSync();
    await until(sync.status$, (s) => s.pendingWrites === 0);
    expect(server.heroes().map((h) => h.id)).toEqual(['h1']);
  });
});

function heroOps() {
  const fields = 'id color updatedAt deleted';
  return {
    pull: {
      query: `query P($checkpoint: HeroInputCheckpoint, $limit: Int!) { pullHero(checkpoint: $checkpoint, limit: $limit) { documents { ${fields} } checkpoint { id updatedAt } } }`,
      variables: (checkpoint: unknown, limit: number) => ({ checkpoint: checkpoint ?? null, limit }),
      data: (data: Record<string, unknown>) => data['pullHero'] as never,
    },
    push: {
      query: `mutation M($heroPushRow: [HeroInputPushRow]) { pushHero(heroPushRow: $heroPushRow) { ${fields} } }`,
      variables: (rows: readonly unknown[]) => ({ heroPushRow: rows }),
      data: (data: Record<string, unknown>) => data['pushHero'] as never,
    },
  };
}
