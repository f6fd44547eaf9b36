import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { until } from './support/until.ts';

// The reference server accepts bodies of at most 64 KiB here, the client still bounds its requests
// at the default 1 MiB: the server's 413 is what splits the batches. A document that alone is over
// the server's limit is set aside as `tooLarge`; one over the client's own bound is never sent.
describe('a server with a lower body limit than the client', () => {
  const SERVER_LIMIT = 64 * 1024;
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const pushes: { ids: string[]; bytes: number; status: number | 'failed' }[] = [];

  beforeAll(async () => {
    server = await startTestServer({ maxBodyBytes: SERVER_LIMIT });
    tokens = await TestTokenSource.forNewUser(server);
    const observingFetch: typeof fetch = async (input, init) => {
      const body = String(init?.body ?? '');
      if (!body.includes('pushTodo')) return fetch(input, init);
      const ids = [...body.matchAll(/"newDocumentState":\{"id":"([^"]+)"/g)].map((match) => match[1]!);
      const push: (typeof pushes)[number] = { ids, bytes: Buffer.byteLength(body), status: 'failed' };
      pushes.push(push);
      const response = await fetch(input, init);
      push.status = response.status;
      return response;
    };
    // Default batch size and byte bound; backoff in milliseconds (a network error would retry).
    device = await openDevice(server, tokens, { wsUrl: undefined, pullIntervalMs: 3_600_000, fetch: observingFetch, retry: { baseMs: 1, maxMs: 20 } });
    await device.sync.resume();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  const landedOnce = async (ids: string[]): Promise<void> => {
    const onServer = new Set((await server.readDocuments(tokens.userId, 'todo')).map((doc) => doc.id));
    expect(ids.filter((id) => !onServer.has(id))).toEqual([]);
    const accepted = pushes.filter((push) => push.status === 200).flatMap((push) => push.ids);
    expect(ids.filter((id) => accepted.filter((a) => a === id).length !== 1)).toEqual([]);
  };

  it('splits batches the server answers with 413 until they pass, and every document lands once', async () => {
    const title = 'x'.repeat(15_000);
    const docs = Array.from({ length: 100 }, (_, i) => ({ id: `wide-${String(i).padStart(3, '0')}`, title, done: false }));
    const before = pushes.length;
    await device.db.collections.todo!.bulkInsert(docs);
    await device.sync.awaitInSync();

    await landedOnce(docs.map((d) => d.id));
    const these = pushes.slice(before);
    expect(these.some((push) => push.status === 413)).toBe(true);
    expect(these.every((push) => push.status === 200 || push.status === 413)).toBe(true);
    // Halved 69 → 35 → 18 → 9 → 5 (413 each); from then on the parts are sized under the learnt
    // bound and pass: 4 documents (60 KB) a request, 33 requests in all where 25 is the least possible.
    expect(these.length).toBeLessThanOrEqual(35);
    expect(device.sync.status).toMatchObject({ rejected: 0, pendingWrites: 0 });
  }, 60_000);

  it('sets a document over the server limit aside as tooLarge, and the others land', async () => {
    const before = pushes.length;
    await device.db.collections.todo!.bulkInsert([
      { id: 'small-1', title: 'small', done: false },
      { id: 'huge-1', title: 'y'.repeat(200_000), done: false },
      { id: 'small-2', title: 'small', done: false },
    ]);
    const [rejected] = await until(device.sync.rejected$, (list) => list.length === 1);
    await device.sync.awaitInSync();

    expect(rejected).toMatchObject({ collection: 'todo', documentId: 'huge-1', code: 'tooLarge' });
    expect(rejected!.reason).toMatch(/^document is 195 KiB; the server refuses a request that large/);
    await landedOnce(['small-1', 'small-2']);
    expect(pushes.slice(before).filter((push) => push.ids.includes('huge-1')).map((push) => push.status)).toContain(413);
    expect(device.sync.status).toMatchObject({ rejected: 1, pendingWrites: 0 });
    await device.sync.discardRejected('todo', 'huge-1');
    await until(device.sync.rejected$, (list) => list.length === 0);
  }, 60_000);

  it('sets a document over the client\'s own maxRequestBytes aside as tooLarge without sending it', async () => {
    await device.db.collections.todo!.bulkInsert([
      { id: 'small-3', title: 'small', done: false },
      { id: 'giant-1', title: 'z'.repeat(1_100_000), done: false },
    ]);
    const [rejected] = await until(device.sync.rejected$, (list) => list.length === 1);
    await device.sync.awaitInSync();

    expect(rejected).toMatchObject({ documentId: 'giant-1', code: 'tooLarge', reason: 'document is 1.05 MiB; a request may carry at most 1 MiB (maxRequestBytes)' });
    expect(pushes.filter((push) => push.ids.includes('giant-1'))).toEqual([]);
    await landedOnce(['small-3']);
    // A retry measures it again and refuses it without a request.
    expect(await device.sync.retryRejected('todo', 'giant-1')).toBe('rejected');
    expect(pushes.filter((push) => push.ids.includes('giant-1'))).toEqual([]);
  }, 60_000);
});
