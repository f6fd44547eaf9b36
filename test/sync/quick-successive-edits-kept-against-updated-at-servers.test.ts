import { defaultConflictHandler } from 'rxdb';
import type { RxConflictHandler } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncEngine } from '../../src/sync/sync-engine.ts';
import type { TokenSource } from '../../src/sync/sync-transport.ts';
import { openUserDatabase } from '../../src/sync/user-database.ts';
import { heroOperations, heroSchema } from './support/hero-operations.ts';
import { startHeroServer } from './support/hero-server.ts';
import type { HeroServer } from './support/hero-server.ts';

// The hero server is RxDB's example convention: it assigns updatedAt and compares it to detect
// conflicts, so a second edit pushed before the echo of the first is reported as a conflict with
// the device's own write. The default handler (serverWinsConflictHandler) keeps that edit; RxDB's
// plain server-wins loses it, which is why the default is not RxDB's.
describe('quick successive edits against a server that compares updatedAt', () => {
  const token = 'hero-token';
  const tokens: TokenSource = { get: async () => ({ token, generation: 1 }), rejected() {}, accepted() {} };
  let server: HeroServer;
  let opened = 0;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await startHeroServer(token);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await server?.close();
  });

  // A hero inserted, then edited twice, each write pushed and awaited. No live stream: the echo of
  // the first edit never arrives, so the second is pushed against the device's own updatedAt.
  async function insertThenEditTwice(conflictHandler?: RxConflictHandler<any>): Promise<{ local: string; conflicts: number }> {
    const id = `h${++opened}`;
    const db = await openUserDatabase({
      storage: getRxStorageMemory(), databaseName: `quick-hero-${process.pid}-${opened}`, userId: 'hero-user',
      collections: { hero: { schema: heroSchema, ...(conflictHandler ? { conflictHandler } : {}) } }, multiInstance: false,
    });
    const sync = new SyncEngine({
      database: db, collections: { hero: { schema: heroSchema, graphql: heroOperations } },
      graphqlUrl: server.url, tokens, pullIntervalMs: 3_600_000,
    });
    closers.push(async () => { await sync.close(); await db.close(); });
    let conflicts = 0;
    sync.conflict$.subscribe(() => conflicts++);
    await sync.open();
    await sync.resume();
    const heroes = db.collections.hero!;
    await heroes.insert({ id, color: 'red' });
    await sync.awaitInSync();
    for (const color of ['green', 'blue']) {
      await (await heroes.findOne(id).exec())!.incrementalPatch({ color });
      await sync.awaitInSync();
    }
    return { local: (await heroes.findOne(id).exec())!.color, conflicts };
  }

  it('keeps every edit with the default handler: the spurious conflicts resolve in favour of the edit', async () => {
    const { local, conflicts } = await insertThenEditTwice();
    expect(local).toBe('blue');
    expect(server.heroes().find((h) => h.id === `h${opened}`)?.color).toBe('blue');
    expect(conflicts).toBeGreaterThanOrEqual(1);
  });

  it('loses the last edit with RxDB\'s plain server-wins handler', async () => {
    const { local, conflicts } = await insertThenEditTwice(defaultConflictHandler);
    expect(conflicts).toBe(1);
    expect(local).toBe('green');
    expect(server.heroes().find((h) => h.id === `h${opened}`)?.color).toBe('green');
  });
});
