import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// Large documents: a default batch of them is bigger than the server's 1 MiB body limit. The
// client splits it by bytes, so the server never refuses a push as too large and everything lands.
describe('push batches', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const bodies: number[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    const measuringFetch: typeof fetch = (input, init) => {
      const body = String(init?.body ?? '');
      if (body.includes('pushTodo')) bodies.push(Buffer.byteLength(body));
      return fetch(input, init);
    };
    // Defaults for the batch size and the byte bound: only the fetch is observed.
    device = await openDevice(server, tokens, { wsUrl: undefined, pullIntervalMs: 3_600_000, fetch: measuringFetch });
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('are split so that no request body passes 1 MiB, and every document lands once', async () => {
    const text = 'é'.repeat(7_500); // 15 KB of UTF-8 in 7,500 UTF-16 units
    const docs = Array.from({ length: 100 }, (_, i) => ({ id: `big-${String(i).padStart(3, '0')}`, title: text, done: false }));
    await device.db.collections.todo!.bulkInsert(docs);
    await device.sync.resume();
    await device.sync.awaitInSync();

    // Measured exactly near the bound (2 bytes per é), not by the 3-bytes-per-unit worst case,
    // which would have made three requests of 1.5 MB.
    expect(bodies).toHaveLength(2);
    expect(Math.max(...bodies)).toBeLessThanOrEqual(1_048_576);
    const stored = await server.readDocuments(tokens.userId, 'todo');
    expect(stored).toHaveLength(100);
    expect(stored.every((doc) => doc['title'] === text)).toBe(true);
    expect(server.stats().pushedDocuments).toBe(100);
  }, 60_000);
});
