import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';

// The server applied the push but the client never heard back (reset, or a body cut in half):
// the retry must not double anything, and nothing may be lost.
describe('a push whose response is lost', () => {
  let server: SyncServer;
  let proxy: FaultProxy;
  let tokens: TestTokenSource;
  let device: Device;
  const failures: ClassifiedFailure[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.port);
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, {
      graphqlUrl: `${proxy.origin}/graphql`,
      wsUrl: undefined,
      pullIntervalMs: 3_600_000,
      pushBatchSize: 100, // 250 documents in 3 batches: two can lose their responses
      onFailure: (failure) => failures.push(failure),
    });
    await device.sync.resume();
    await device.sync.awaitInSync();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await proxy?.close();
    await server?.close();
  });

  it.each([
    { kind: 'dropResponses' as const, count: 2 },
    { kind: 'cutMidBody' as const, count: 2 },
  ])('$kind: every document ends on the server exactly once', async (fault) => {
    failures.length = 0;
    const before = server.stats();
    proxy.setMode(fault);
    const faultsBefore = proxy.faultsInjected;
    await device.db.collections.todo!.bulkInsert(todos(250, fault.kind));
    await device.sync.awaitInSync();
    proxy.setMode({ kind: 'pass' });

    expect(proxy.faultsInjected - faultsBefore).toBe(2);
    // 250 documents are 3 push batches; the lost responses made the server see replays.
    expect(server.stats().pushes - before.pushes).toBeGreaterThanOrEqual(5);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.every((f) => f.kind === 'transient')).toBe(true);
    const mine = (await server.readDocuments(tokens.userId, 'todo')).filter((d) => d.id.startsWith(fault.kind));
    expect(mine).toHaveLength(250);
    expect(new Set(mine.map((d) => d.id)).size).toBe(250);
    // Each document was written once: replays of applied rows were recognised, not re-versioned.
    expect(server.stats().pushedDocuments - before.pushedDocuments).toBe(250);
    expect(server.stats().conflicts - before.conflicts).toBe(0);
    expect((await device.sync.pendingWrites()).todo!.count).toBe(0);
    expect(tokens.refreshes).toBe(0);
  });
});
