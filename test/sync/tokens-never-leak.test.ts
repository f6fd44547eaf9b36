import { getChangedDocumentsSince } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server-lanes.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { openDevice, todos } from './support/sync-fixture.ts';
import type { Device } from './support/sync-fixture.ts';
import { SERVER_START_MS, TestTokenSource } from './support/test-token-source.ts';
import { eventually, until } from './support/until.ts';

// Invariant 4 for the replication layer: across refusals, expiries and stream reconnects, no
// access or refresh token appears in logs, reported failures, refused-document records, the
// documents, or the replication's persisted checkpoints and meta data.
describe('tokens in the replication layer', () => {
  let server: SyncServer;
  let tokens: TestTokenSource;
  let device: Device;
  const seen: string[] = [];
  const capture = (level: string) => (msg: string, data?: object) => seen.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`);
  const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

  beforeAll(async () => {
    server = await startTestServer();
    tokens = await TestTokenSource.forNewUser(server);
    device = await openDevice(server, tokens, { logger, onFailure: (failure) => seen.push(JSON.stringify(failure)) });
    await device.sync.resume();
  }, SERVER_START_MS);

  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('never appear in anything the layer logs, reports or stores', async () => {
    await device.db.collections.todo!.bulkInsert([...todos(20, 'leak'), { id: 'refused-1', title: 'nul \u0000 inside', done: false }]);
    await device.sync.awaitInSync();
    server.shiftClock(31 * 60_000);
    await device.db.collections.todo!.bulkInsert(todos(5, 'after-expiry'));
    await device.sync.awaitInSync();
    await eventually(() => tokens.generation >= 2 && server.stats().activeStreams === 1);

    const rejected = await until(device.sync.rejected$, (list) => list.length === 1);
    const stored = [
      ...(await device.db.collections.todo!.find().exec()).map((d) => d.toJSON()),
      ...(await device.db.collections.sync_rejected!.find().exec()).map((d) => d.toJSON()),
      ...(await getChangedDocumentsSince(device.sync.collections.todo!.rxReplication.metaInstance!, 10_000)).documents,
    ];
    const haystack = [...seen, JSON.stringify(rejected), JSON.stringify(stored), JSON.stringify(device.sync.status)].join('\n');

    expect(seen.some((line) => line.includes('refused'))).toBe(true);
    expect(tokens.secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of tokens.secrets) expect(haystack.includes(secret)).toBe(false);
    expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
  });
});
