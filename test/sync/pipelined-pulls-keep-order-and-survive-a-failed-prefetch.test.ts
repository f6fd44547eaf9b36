import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { graphql, PUSH_TODO } from '../helpers/server-requests.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

interface PullSent { checkpoint: { id: string; updatedAt: number } | null; failed: boolean }

// The next page is requested while RxDB writes the current one. The pages must still arrive in
// checkpoint order, and a prefetch that fails must cost nothing: the page is simply asked again.
describe('pipelined pulls', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const pulls: PullSent[] = [];
  const failures: ClassifiedFailure[] = [];
  let failPull = -1;

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    const rows = todos(1_000, 'seed').map((t) => ({ newDocumentState: { ...t, deleted: false } }));
    for (let i = 0; i < rows.length; i += 250) {
      expect((await graphql(server, tokens.currentToken, PUSH_TODO, { rows: rows.slice(i, i + 250) })).status).toBe(200);
    }
    // Records every pull's checkpoint; the pull numbered failPull fails like a dropped connection.
    const recordingFetch: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as { query?: string; variables?: { checkpoint?: PullSent['checkpoint'] } };
      if (!body.query?.includes('pullTodo')) return fetch(input, init);
      const failed = pulls.length === failPull;
      pulls.push({ checkpoint: body.variables?.checkpoint ?? null, failed });
      if (failed) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    device = await openDevice(server, tokens, {
      wsUrl: undefined, pullIntervalMs: 3_600_000, pullBatchSize: 100, fetch: recordingFetch,
      onFailure: (failure) => failures.push(failure),
    });
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('pulls pages in checkpoint order and lose nothing when a prefetched page fails', async () => {
    failPull = 4; // a page RxDB has not asked for yet: the one after the fourth full page
    await device.sync.resume();
    await device.sync.awaitInSync();

    const local = await device.db.collections.todo!.find().exec();
    expect(local).toHaveLength(1_000);
    expect(new Set(local.map((doc) => doc.id)).size).toBe(1_000);
    // Eleven pages (the last one empty), one of them asked twice because its prefetch failed.
    expect(pulls).toHaveLength(12);
    const failedAt = pulls.findIndex((pull) => pull.failed);
    expect(pulls[failedAt + 1]!.checkpoint).toEqual(pulls[failedAt]!.checkpoint);
    const asked = pulls.filter((pull) => !pull.failed).map((pull) => pull.checkpoint);
    for (let i = 1; i < asked.length; i++) {
      const [before, after] = [asked[i - 1] ?? null, asked[i]!];
      expect(before === null || after.updatedAt > before.updatedAt || (after.updatedAt === before.updatedAt && after.id > before.id)).toBe(true);
    }
    // The prefetch's failure was not the replication's: nothing was reported, no backoff was waited.
    expect(failures).toEqual([]);
    expect(device.sync.status.initialSync).toEqual({ pulled: 1_000, done: true });
  }, 60_000);
});
