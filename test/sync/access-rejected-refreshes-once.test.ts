import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../examples/server/start-server.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { graphql, PUSH_TODO, todo } from '../helpers/server-requests.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// Many servers say "token expired" as HTTP 200 + UNAUTHENTICATED. This fetch turns the reference
// server's 401s into exactly that, so the same expiry arrives in the other common shape.
const fetch200: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status !== 401) return response;
  return new Response(await response.text(), { status: 200, headers: { 'content-type': 'application/json' } });
};

describe('an access token expiring while syncing', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const failures: { failure: ClassifiedFailure; direction: string }[] = [];

  beforeAll(async () => {
    server = await startServer({ port: 0 });
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, {
      fetch: fetch200,
      onFailure: (failure, where) => failures.push({ failure, direction: where.direction }),
    });
    await device.sync.resume();
    await device.sync.awaitInSync();
    await eventually(() => server.stats().activeStreams === 1);
  });

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('treats 200 + UNAUTHENTICATED and the 4401 close as accessRejected, refreshes once, and pushes', async () => {
    server.shiftClock(31 * 60_000);
    await device.db.collections.todo!.bulkInsert(todos(30, 'x'));
    await device.sync.awaitInSync();

    const rejected = failures.filter((f) => f.failure.kind === 'accessRejected');
    expect(rejected.some((f) => f.direction === 'push' && f.failure.status === 200)).toBe(true);
    await eventually(() => failures.some((f) => f.direction === 'stream'));
    expect(failures.find((f) => f.direction === 'stream')?.failure.message).toContain('4401');
    expect(failures.every((f) => f.failure.kind === 'accessRejected')).toBe(true);
    expect(tokens.refreshes).toBe(1);
    expect(tokens.generation).toBe(2);
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(30);
  });

  it('reconnects the stream with the new token, still one subscription, still live', async () => {
    await eventually(() => server.stats().activeStreams === 1 && server.stats().streamConnects >= 2);
    const pushed = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('from-elsewhere') }] });
    expect(pushed.status).toBe(200);
    await until(device.db.collections.todo!.findOne('from-elsewhere').$, (doc) => doc !== null);
    expect(server.stats().activeStreams).toBe(1);
    expect(tokens.refreshes).toBe(1);
  });

  it('survives pause/resume cycles without adding subscriptions', async () => {
    for (let i = 0; i < 5; i++) {
      await device.sync.pause();
      await device.sync.resume();
    }
    await device.sync.awaitInSync();
    await eventually(() => server.stats().activeStreams === 1);
    const pushed = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('after-cycles') }] });
    expect(pushed.status).toBe(200);
    await until(device.db.collections.todo!.findOne('after-cycles').$, (doc) => doc !== null);
    expect(server.stats().activeStreams).toBe(1);
  });
});
