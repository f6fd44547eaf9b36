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

// A websocket over a dead route never errors by itself: the keep-alive ping notices the missing
// pong, drops the socket, and the stream reconnects (and resyncs) once the route is back. A dead
// route swallows a handshake just as silently: such a connect is given up after the keep-alive time
// and retried, and closing (a logout) never waits on it.
describe('a live stream whose route goes dead', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let tokens: TestTokenSource;
  let device: Device | undefined;
  const streamFailures: ClassifiedFailure[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.port);
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, {
      wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`,
      keepAliveMs: 200,
      pullIntervalMs: 3_600_000,
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

  it('is dropped after a missed pong, reported as transient, and comes back live', async () => {
    const live = device!;
    // Counted from here: a pong missed under load during set-up was reported (and cleared by the
    // successes that followed) already.
    const before = streamFailures.length;
    proxy.setMode({ kind: 'blackhole' });
    await eventually(() => streamFailures.length > before, 5_000);
    expect(streamFailures[before]).toMatchObject({ kind: 'transient' });
    // Stream failures show in the status too, not only in onFailure (nothing can succeed meanwhile).
    expect(live.sync.status.lastError).toMatchObject({ kind: 'transient' });

    proxy.setMode({ kind: 'pass' });
    const pushed = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('while-dead') }] });
    expect(pushed.status).toBe(200);
    // Pulled by the resync that follows the reconnect, or streamed: either way without polling.
    await until(live.db.collections.todo!.findOne('while-dead').$, (doc) => doc !== null);
    expect(tokens.refreshes).toBe(0);
  });

  it('is given up and retried, and the stream is live again once the route is back', async () => {
    const live = device!;
    const before = streamFailures.length;
    proxy.setMode({ kind: 'blackhole' });
    // The first failure is the missed pong; the next ones are reconnects whose handshake got no answer.
    await eventually(() => streamFailures.length >= before + 3, 10_000);
    expect(streamFailures.every((f) => f.kind === 'transient')).toBe(true);

    proxy.setMode({ kind: 'pass' });
    const pushed = await graphql(server, tokens.currentToken, PUSH_TODO, { rows: [{ newDocumentState: todo('after-dead-connects') }] });
    expect(pushed.status).toBe(200);
    // No polling (an hour apart): only a reconnected stream (and its resync) brings it.
    await until(live.db.collections.todo!.findOne('after-dead-connects').$, (doc) => doc !== null);
    expect(tokens.refreshes).toBe(0);
  });

  it('does not hold up close while a connect hangs', async () => {
    const closing = device!;
    proxy.setMode({ kind: 'blackhole' });
    const before = streamFailures.length;
    await eventually(() => streamFailures.length > before, 10_000);
    device = undefined;
    const closed = await Promise.race([
      closing.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still closing')),
    ]);
    expect(closed).toBe('closed');
  });
});
