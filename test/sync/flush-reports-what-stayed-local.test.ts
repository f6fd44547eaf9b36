import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// What logout({ flushTimeoutMs }) relies on: push what can be pushed within the bound, then say
// exactly what stayed local.
describe('flush before logout', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let tokens: TestTokenSource;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.port);
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { graphqlUrl: `${proxy.origin}/graphql`, wsUrl: undefined, timeoutMs: 300 });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await proxy?.close();
    await server?.close();
  });

  it('returns within the bound with the writes that could not be pushed', async () => {
    proxy.setMode({ kind: 'refuse' });
    const before = Date.now();
    await device.db.collections.todo!.bulkInsert(todos(10, 'stuck'));
    const left = await device.sync.flush(500);
    expect(Date.now() - before).toBeLessThan(3_000);
    expect(left.todo!.count).toBe(10);
    expect(left.todo!.oldestAt).toBeGreaterThanOrEqual(before - 1);
  });

  it('pushes everything and reports nothing left once the server is reachable', async () => {
    proxy.setMode({ kind: 'pass' });
    const left = await device.sync.flush(10_000);
    expect(left.todo).toEqual({ count: 0, oldestAt: null });
    expect(await server.readDocuments(tokens.userId, 'todo')).toHaveLength(10);
  });
});
