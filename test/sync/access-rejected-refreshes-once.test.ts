import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { graphql, PUSH_TODO, todo } from '../helpers/server-requests.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// Many servers say "token expired" as HTTP 200 + UNAUTHENTICATED. This fetch turns the reference
// server's 401s into exactly that, so the same expiry arrives in the other common shape.
let rewritten = 0;
const fetch200: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status !== 401) return response;
  rewritten += 1;
  return new Response(await response.text(), { status: 200, headers: { 'content-type': 'application/json' } });
};

describe('an access token expiring while syncing', () => {
  let server: SyncServer;
  let httpTokens: TestTokenSource;
  let httpDevice: Device;
  let liveTokens: TestTokenSource;
  let liveDevice: Device;
  const liveFailures: { failure: ClassifiedFailure; direction: string }[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    httpTokens = await TestTokenSource.forNewUser(server);
    // No stream here: the HTTP answer is the only way this device can learn its token expired.
    httpDevice = await openDevice(server, httpTokens, { fetch: fetch200, wsUrl: undefined, pullIntervalMs: 3_600_000 });
    liveTokens = await TestTokenSource.forNewUser(server);
    liveDevice = await openDevice(server, liveTokens, {
      onFailure: (failure, where) => liveFailures.push({ failure, direction: where.direction }),
    });
    await Promise.all([httpDevice.sync.resume(), liveDevice.sync.resume()]);
    await Promise.all([httpDevice.sync.awaitInSync(), liveDevice.sync.awaitInSync()]);
    await eventually(() => server.stats().activeStreams === 1);
  }, SERVER_START_MS);

  afterAll(async () => {
    await httpDevice?.close();
    await liveDevice?.close();
    await server?.close();
  });

  it('treats HTTP 200 + UNAUTHENTICATED as accessRejected: one refresh, then the push goes through', async () => {
    server.shiftClock(31 * 60_000);
    await httpDevice.db.collections.todo!.bulkInsert(todos(30, 'http'));
    await httpDevice.sync.awaitInSync();

    expect(rewritten).toBeGreaterThanOrEqual(1);
    expect(httpTokens.rejections[0]).toBe(1);
    expect(httpTokens.refreshes).toBe(1);
    expect(httpTokens.generation).toBe(2);
    expect(await server.readDocuments(httpTokens.userId, 'todo')).toHaveLength(30);
    expect(httpDevice.sync.status.sync).toBe('running');
  });

  it('treats the 4401 close as accessRejected and reconnects with the new token, one subscription, still live', async () => {
    await eventually(() => liveFailures.some((f) => f.direction === 'stream'));
    const streamFailure = liveFailures.find((f) => f.direction === 'stream')!.failure;
    expect(streamFailure.kind).toBe('accessRejected');
    expect(streamFailure.message).toContain('4401');
    await eventually(() => liveTokens.generation === 2 && server.stats().activeStreams === 1);

    const pushed = await graphql(server, liveTokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('from-elsewhere') }] });
    expect(pushed.status).toBe(200);
    await until(liveDevice.db.collections.todo!.findOne('from-elsewhere').$, (doc) => doc !== null);
    expect(server.stats().activeStreams).toBe(1);
    expect(liveTokens.refreshes).toBe(1);
  });

  it('survives pause/resume cycles without adding subscriptions', async () => {
    for (let i = 0; i < 5; i++) {
      await liveDevice.sync.pause();
      await liveDevice.sync.resume();
    }
    // Overlapping calls: the last one wins.
    await Promise.all([liveDevice.sync.pause(), liveDevice.sync.resume()]);
    expect(liveDevice.sync.status.sync).toBe('running');
    await liveDevice.sync.awaitInSync();
    await eventually(() => server.stats().activeStreams === 1);
    const pushed = await graphql(server, liveTokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('after-cycles') }] });
    expect(pushed.status).toBe(200);
    await until(liveDevice.db.collections.todo!.findOne('after-cycles').$, (doc) => doc !== null);
    expect(server.stats().activeStreams).toBe(1);
  });
});
