import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkServer } from '../../src/conformance/check-server.ts';
import { formatReport } from '../../src/conformance/report.ts';
import type { ConformanceReport } from '../../src/conformance/types.ts';
import { startFakeSyncServer, type Fault, type FakeSyncServer } from './support/fake-sync-server.ts';

let fake: FakeSyncServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function check(faults: Fault[]): Promise<ConformanceReport> {
  fake = await startFakeSyncServer(faults);
  return checkServer({
    graphqlUrl: fake.graphqlUrl,
    wsUrl: fake.wsUrl,
    userA: fake.token('ann'),
    userB: () => fake!.token('bob'),
    expiredToken: fake.expiredToken('cy'),
    timeoutMs: 2500,
  });
}

const failed = (report: ConformanceReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('the conformance check against test doubles', () => {
  it('passes a fake that keeps the whole contract, and soft-deletes what it wrote', async () => {
    const report = await check([]);
    expect(report.checks.filter((c) => c.status !== 'pass'), formatReport(report)).toEqual([]);
    expect(report.cleanup.status).toBe('done');
    for (const user of ['ann', 'bob']) {
      const docs = fake!.documents(user);
      expect(docs.length).toBeGreaterThan(0);
      expect(docs.every((doc) => doc.id.startsWith(report.idPrefix) && doc.deleted)).toBe(true);
    }
  });

  // Each double breaks one contract point; the check of that point (listed first) fails, saying what
  // is wrong, and so do the checks that cannot hold without it (listed after it).
  it.each<[Fault, string[], RegExp]>([
    ['pullOrder', ['pull.order'], /came before .*: pull must order by \(updatedAt, id\)/],
    ['pullTies', ['pull.ties'], /4 of 7 documents written in one batch never came back when pulled in pages of 3 \(the 3 that did share 1 updatedAt value\(s\)\)/],
    // A wrong checkpoint re-delivers documents in every paged pull: the order and ties checks see it too.
    ['pullCheckpoint', ['pull.checkpoint', 'pull.order', 'pull.ties'], /came with checkpoint .*; expected .* \(the last document's\)/],
    ['pullEmptyCheckpoint', ['pull.empty'], /a pull past the last document returned checkpoint \{"id":"","updatedAt":0\}; expected the one sent/],
    ['pullUnknownCheckpoint', ['pull.unknownCheckpoint'], /^answered an unknown checkpoint as if it knew it: a server restored from a backup would go unnoticed and clients would not re-push what it lost \(a pull with checkpoint \{"id":"conformance-\w+-never-written","updatedAt":\d+\}, of a document never written, returned no documents and checkpoint \{"id":"conformance-\w+-never-written"/],
    ['conflictWithoutMaster', ['push.conflict'], /the conflict answer is .*"conformance 1".*, not the server's master state .*"conformance 2"/],
    ['repushAppliedTwice', ['push.idempotent'], /the same push sent twice \(a new document\) was applied twice: a second revision/],
    ['refusalFailsBatch', ['push.refusal'], /one document's content failed the whole batch \(data is null: invalid byte sequence/],
    ['pullIgnoresOwner', ['ownership.read', 'ownership.write'], /user B pulled \d+ of user A's documents, e\.g\. conformance-/],
    ['globalIds', ['ownership.write'], /user B's push of id .*owned was answered with user A's document as a conflict/],
    ['httpAuthShape', ['auth.http.invalid', 'auth.http.expired'], /answered with HTTP 403 FORBIDDEN .* which the client classifies as rejected, not accessRejected/],
    ['socketAuthShape', ['auth.ws.invalid', 'auth.ws.expired'], /got close 1011 .*, which the client classifies as transient: close the socket with 4401/],
    ['silentAfterReconnect', ['stream.delivery', 'stream.resync'], /never arrived on the stream within 2500 ms/],
    // Only with pull not checking checkpoints can a checkpoint ahead of every document make a pull miss one.
    ['streamCheckpointAhead', ['stream.resync', 'pull.unknownCheckpoint'], /a pull from the stream's last checkpoint .* after the reconnect did not return .*resync-missed, written while disconnected/],
    ['streamToEveryone', ['ownership.stream'], /user B's stream carried user A's document/],
  ])('%s fails %j', async (fault, expected, message) => {
    const report = await check([fault]);
    expect(failed(report).sort(), formatReport(report)).toEqual([...expected].sort());
    expect(report.ok).toBe(false);
    const first = report.checks.find((c) => c.id === expected[0])!;
    expect(first.reason).toMatch(message);
    expect(formatReport(report)).toContain(`FAIL  ${expected[0]}`);
  });

  it('skips, saying why, what the inputs cannot check', async () => {
    fake = await startFakeSyncServer();
    const report = await checkServer({ graphqlUrl: fake.graphqlUrl, userA: fake.token('dee'), timeoutMs: 2500 });
    const skipped = Object.fromEntries(report.checks.filter((c) => c.status === 'skip').map((c) => [c.id, c.reason]));
    expect(Object.keys(skipped).sort()).toEqual([
      'auth.http.expired', 'auth.ws.expired', 'auth.ws.invalid', 'ownership.read', 'ownership.stream', 'ownership.write', 'stream.delivery', 'stream.resync',
    ]);
    expect(skipped['ownership.read']).toMatch(/needs a second user/);
    expect(skipped['stream.delivery']).toMatch(/needs the stream URL \(--ws\)/);
    expect(report.ok).toBe(true);
  });

  it('rejects, naming the URL, when the endpoint does not answer at all', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const token = 'opaque-token-of-ann';
    const error = await checkServer({ graphqlUrl: `http://127.0.0.1:${port}/graphql`, userA: token, timeoutMs: 2500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^no answer from http://127\\.0\\.0\\.1:${port}/graphql: TypeError: fetch failed`));
    expect((error as Error).message).not.toContain(token);
  });

  it('never puts a token in the report', async () => {
    fake = await startFakeSyncServer(['httpAuthShape']);
    const token = fake.token('eve');
    const report = await checkServer({ graphqlUrl: fake.graphqlUrl, userA: token, timeoutMs: 2500 });
    expect(JSON.stringify(report)).not.toContain(token);
  });
});
