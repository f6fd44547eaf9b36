import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { todos } from './support/sync-fixture.ts';
import { openPlainDevice } from './support/plain-device.ts';
import type { PlainDevice } from './support/plain-device.ts';
import { POISON_TITLE, startWholeBatchFailingServer } from './support/whole-batch-failing-server.ts';
import type { WholeBatchFailingServer } from './support/whole-batch-failing-server.ts';
import { until } from './support/until.ts';

// A server that fails a whole push without naming a document (its database refused one row; one
// row's field does not coerce) must not stall the outbox: the client splits the failing batch until
// the poison document is alone, sets it aside with the server's reason, and everything else lands
// once. The app can then fix and retry it, or discard it.
const nulTitle = { poison: { title: POISON_TITLE, done: false }, fixed: { title: 'fixed' }, reason: 'invalid byte sequence' };
// Requests for 201 rows, poison at 120: halving takes 8 levels; per level the failing half is asked
// once (a refusal) or three times (a server error) and its sibling once; alone, once or three times more.
const flavours = [
  { name: 'HTTP 500 without a code', mode: 'http500', ...nulTitle, code: 'HTTP_500', maxRequests: 31 },
  { name: 'HTTP 200 with INTERNAL_SERVER_ERROR', mode: 'internalError200', ...nulTitle, code: 'INTERNAL_SERVER_ERROR', maxRequests: 31 },
  {
    name: 'HTTP 400 BAD_USER_INPUT from variable coercion', mode: 'http500', poison: { title: 'typed wrong', done: 'yes' }, fixed: { done: true },
    reason: 'Boolean cannot represent', code: 'BAD_USER_INPUT', maxRequests: 15,
  },
] as const;

describe.each(flavours)('a whole push failing over one document: $name', (flavour) => {
  const token = 'poison-token';
  let server: WholeBatchFailingServer;
  let device: PlainDevice;

  beforeAll(async () => {
    server = await startWholeBatchFailingServer(flavour.mode, token);
  });

  afterEach(async () => {
    await device?.close();
  });

  afterAll(async () => {
    await server?.close();
  });

  const goodOnServerOnce = (ids: string[]): void => {
    const onServer = new Set(server.documents().map((doc) => doc.id));
    expect(ids.filter((id) => !onServer.has(id))).toEqual([]);
    expect(ids.filter((id) => server.accepted.get(id) !== 1)).toEqual([]);
  };

  it('sets the poison document aside with the server\'s reason, and the 200 other writes land once', async () => {
    const failures: ClassifiedFailure[] = [];
    device = await openPlainDevice(server.graphqlUrl, token, { onFailure: (failure) => failures.push(failure) });
    const good = [...todos(120, 'one-a'), ...todos(80, 'one-b')];
    await device.todo.bulkInsert([...good.slice(0, 120), { id: 'poison-1', ...flavour.poison }, ...good.slice(120)]);
    const before = { ...server.pushes };
    await device.sync.resume();

    const [rejected] = await until(device.sync.rejected$, (list) => list.length === 1);
    await device.sync.awaitInSync();
    expect(rejected).toMatchObject({ collection: 'todo', documentId: 'poison-1', code: flavour.code });
    expect(rejected!.reason).toContain(flavour.reason);
    expect(device.sync.status.rejected).toBe(1);
    expect(device.sync.status.pendingWrites).toBe(0);
    goodOnServerOnce(good.map((t) => t.id));
    expect(server.accepted.has('poison-1')).toBe(false);
    const requests = server.pushes.accepted + server.pushes.failed - before.accepted - before.failed;
    expect(requests).toBeLessThanOrEqual(flavour.maxRequests);
    // Every failed request was reported as it happened, then the set-aside.
    expect(failures.filter((f) => f.status !== undefined)).toHaveLength(server.pushes.failed - before.failed);
    expect(failures.at(-1)).toMatchObject({ kind: 'rejected', message: `1 document(s) refused and set aside (${flavour.code})` });

    // Later writes are not held back.
    await device.todo.insert({ id: 'one-later', title: 'later', done: false });
    await device.sync.awaitInSync();
    expect(server.accepted.get('one-later')).toBe(1);

    // Fixed locally, a retry lands it and the list empties.
    await (await device.todo.findOne('poison-1').exec())!.incrementalPatch(flavour.fixed);
    expect(await device.sync.retryRejected('todo', 'poison-1')).toBe('pushed');
    await until(device.sync.rejected$, (list) => list.length === 0);
    await device.sync.awaitInSync();
    expect(server.documents().find((doc) => doc.id === 'poison-1')).toMatchObject(flavour.fixed);
    expect(device.sync.status.rejected).toBe(0);
  });

  it('sets two poison documents of one batch aside, the first of the batch among them, and the rest lands once', async () => {
    device = await openPlainDevice(server.graphqlUrl, token);
    const good = todos(200, 'two');
    await device.todo.bulkInsert([{ id: 'poison-a', ...flavour.poison }, ...good.slice(0, 150), { id: 'poison-b', ...flavour.poison }, ...good.slice(150)]);
    await device.sync.resume();

    const rejected = await until(device.sync.rejected$, (list) => list.length === 2);
    await device.sync.awaitInSync();
    expect(rejected.map((r) => r.documentId).sort()).toEqual(['poison-a', 'poison-b']);
    expect(rejected.every((r) => r.code === flavour.code)).toBe(true);
    goodOnServerOnce(good.map((t) => t.id));
    expect(device.sync.status).toMatchObject({ rejected: 2, pendingWrites: 0 });
  });

  it('pushes a later fix of a set-aside document the server had before, with no false conflict', async () => {
    device = await openPlainDevice(server.graphqlUrl, token);
    await device.todo.insert({ id: 'edited-1', title: 'first', done: false });
    await device.sync.resume();
    await device.sync.awaitInSync();
    const doc = (await device.todo.findOne('edited-1').exec())!;
    await doc.incrementalPatch(flavour.poison);
    await device.todo.bulkInsert(todos(5, 'four'));
    await until(device.sync.rejected$, (list) => list.length === 1);
    await device.sync.awaitInSync();

    // RxDB now takes the set-aside state for the server's; the next push must not claim it was.
    await doc.getLatest().incrementalPatch(flavour.fixed);
    await device.sync.awaitInSync();
    const fixed = { ...{ title: 'first', done: false }, ...flavour.poison, ...flavour.fixed };
    expect(server.documents().find((d) => d.id === 'edited-1')).toMatchObject(fixed);
    expect((await device.todo.findOne('edited-1').exec())!.toJSON()).toMatchObject(fixed);
    expect(await device.sync.retryRejected('todo', 'edited-1')).toBe('pushed');
    expect(server.documents().find((d) => d.id === 'edited-1')).toMatchObject(fixed);
  });

  it('discards a poison document: the local write goes away and nothing is pushed', async () => {
    device = await openPlainDevice(server.graphqlUrl, token);
    await device.todo.bulkInsert([...todos(10, 'three'), { id: 'poison-c', ...flavour.poison }]);
    await device.sync.resume();
    await until(device.sync.rejected$, (list) => list.length === 1);
    await device.sync.awaitInSync();

    const pushes = server.pushes.accepted + server.pushes.failed;
    await device.sync.discardRejected('todo', 'poison-c');
    await until(device.sync.rejected$, (list) => list.length === 0);
    await device.sync.awaitInSync();
    expect(await device.todo.findOne('poison-c').exec()).toBeNull();
    expect(server.pushes.accepted + server.pushes.failed).toBe(pushes);
    expect(server.accepted.has('poison-c')).toBe(false);
    expect(device.sync.status.rejected).toBe(0);
  });
});
