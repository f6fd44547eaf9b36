import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { graphql, PUSH_TODO } from '../helpers/server-requests.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// A new device of a user with 10,000 documents on the server pulls them all, reporting progress.
describe('initial sync of 10,000 documents', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    const all = todos(10_000, 'seed').map((t) => ({ newDocumentState: { ...t, deleted: false } }));
    for (let i = 0; i < all.length; i += 1000) {
      const answer = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: all.slice(i, i + 1000) });
      expect(answer.status).toBe(200);
    }
    device = await openDevice(server, tokens);
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('pulls every document and reports progress until done', async () => {
    const progress: number[] = [];
    const sub = device.sync.status$.subscribe((s) => progress.push(s.initialSync.pulled));
    await device.sync.resume();
    await device.sync.awaitInSync();
    sub.unsubscribe();

    expect(await device.db.collections.todo!.count().exec()).toBe(10_000);
    expect(device.sync.status.initialSync).toEqual({ pulled: 10_000, done: true });
    expect(progress.filter((n) => n > 0 && n < 10_000).length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(device.sync.status.lastPulledAt).not.toBeNull();
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);
  }, 120_000);
});
