import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { graphql, PUSH_TODO, todo } from '../helpers/server-requests.ts';
import { openDevice } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// After an outage the session's refresh is often the first request that gets through. The refresh
// reconnects the stream (reconnect()), and that must not wait out the stream's backoff: the server
// has just answered. Backoff here is a minute, so only the reconnect can bring the stream back.
describe('a live stream backing off after an outage', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let tokens: TestTokenSource;
  let device: Device;
  const streamFailures: ClassifiedFailure[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.port);
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, {
      wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`,
      pullIntervalMs: 3_600_000,
      retry: { baseMs: 60_000, maxMs: 60_000 },
      onFailure: (failure, where) => {
        if (where.direction === 'stream') streamFailures.push(failure);
      },
    });
    await device.sync.resume();
    await device.sync.awaitInSync();
    await eventually(() => server.stats().activeStreams === 1);
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await proxy?.close();
    await server?.close();
  });

  it('connects as soon as a refresh reconnects it, not after the backoff', async () => {
    proxy.setMode({ kind: 'refuse' });
    await eventually(() => streamFailures.length > 0 && server.stats().activeStreams === 0);
    proxy.setMode({ kind: 'pass' });
    device.sync.reconnect(); // what the session does once a refresh succeeds

    await eventually(() => server.stats().activeStreams === 1, 5_000);
    const pushed = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('after-outage') }] });
    expect(pushed.status).toBe(200);
    await until(device.db.collections.todo!.findOne('after-outage').$, (doc) => doc !== null, 5_000);
    expect(device.sync.status.sync).toBe('running');
  });
});
