import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryServer, type InMemoryServer } from '../../src/testing/index.ts';
import { kitClient, loginRaw, pullTodo, pushTodo } from './support/kit-fixtures.ts';

// The in-memory server answers docs/wire-protocol.md: App Services auth with JWTs, pull in
// (updatedAt, id) order with checkpoints, push with conflicts answering the master state, applied
// once, and ids that belong to their user.
describe('the in-memory server follows the wire protocol', () => {
  let server: InMemoryServer;
  let ann: { userId: string };
  beforeAll(async () => {
    server = await startInMemoryServer({ accessTokenTtlSec: 600, refreshTokenTtlSec: 3600 });
    ann = await server.createUser({ username: 'ann@example.com', password: 'pw-ann-1', customData: { plan: 'pro' } });
    await server.createUser({ username: 'bob@example.com', password: 'pw-bob-1' });
  });
  afterAll(() => server?.close());

  it('logs in with JWTs, refreshes, serves the profile and logs out', async () => {
    expect((await loginRaw(server, 'ann@example.com', 'wrong')).json).toEqual({ error: 'invalid username/password', error_code: 'InvalidPassword' });
    const { status, json } = await loginRaw(server, 'ann@example.com', 'pw-ann-1');
    expect(status).toBe(200);
    expect(json.user_id).toBe(ann.userId);
    const access = decodeJwt(json.access_token);
    expect(access).toMatchObject({ sub: ann.userId, user_data: { plan: 'pro' } });
    expect(access.exp! - access.iat!).toBe(600);
    expect(decodeJwt(json.refresh_token).exp! - decodeJwt(json.refresh_token).iat!).toBe(3600);

    const session = `${server.authUrl}/auth/session`;
    const refreshed = await fetch(session, { method: 'POST', headers: { authorization: `Bearer ${json.refresh_token}` } });
    expect(refreshed.status).toBe(201);
    expect(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).sub).toBe(ann.userId);
    const profile = await fetch(`${server.authUrl}/auth/profile`, { headers: { authorization: `Bearer ${json.access_token}` } });
    expect(await profile.json()).toMatchObject({ user_id: ann.userId, data: { email: 'ann@example.com' }, custom_data: { plan: 'pro' } });

    expect((await fetch(session, { method: 'DELETE', headers: { authorization: `Bearer ${json.refresh_token}` } })).status).toBe(204);
    const after = await fetch(session, { method: 'POST', headers: { authorization: `Bearer ${json.refresh_token}` } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error_code: 'InvalidSession' });
  });

  it('pulls in (updatedAt, id) order from a checkpoint, detects conflicts and applies a repeated push once', async () => {
    const token = (await loginRaw(server, 'ann@example.com', 'pw-ann-1')).json.access_token as string;
    const doc = (id: string, title: string) => ({ id, title, done: false, deleted: false });
    expect((await pushTodo(server, token, [{ newDocumentState: doc('b', 'two') }, { newDocumentState: doc('a', 'one') }])).json).toEqual({ data: { pushTodo: [] } });
    expect((await pushTodo(server, token, [{ newDocumentState: doc('c', 'three') }])).json.data.pushTodo).toEqual([]);

    const first = (await pullTodo(server, token, null, 2)).json.data.pullTodo;
    expect(first.documents.map((d: { id: string }) => d.id)).toEqual(['a', 'b']);
    expect(first.documents[0]).toEqual({ id: 'a', title: 'one', done: false, updatedAt: expect.any(Number), deleted: false });
    const rest = (await pullTodo(server, token, first.checkpoint, 2)).json.data.pullTodo;
    expect(rest.documents.map((d: { id: string }) => d.id)).toEqual(['c']);
    expect((await pullTodo(server, token, rest.checkpoint)).json.data.pullTodo).toEqual({ documents: [], checkpoint: rest.checkpoint });

    // Based on a state the server no longer holds: the master comes back, nothing is written.
    const master = first.documents[0];
    await pushTodo(server, token, [{ assumedMasterState: master, newDocumentState: { ...doc('a', 'one'), done: true } }]);
    const conflict = await pushTodo(server, token, [{ assumedMasterState: master, newDocumentState: doc('a', 'other') }]);
    expect(conflict.json.data.pushTodo).toEqual([expect.objectContaining({ id: 'a', title: 'one', done: true })]);
    // The same push again (its response was lost): no conflict, no new version.
    const before = server.stats().pushedDocuments;
    expect((await pushTodo(server, token, [{ assumedMasterState: master, newDocumentState: { ...doc('a', 'one'), done: true } }])).json.data.pushTodo).toEqual([]);
    expect(server.stats().pushedDocuments).toBe(before);
  });

  it('keeps each user’s ids to themselves', async () => {
    const bob = (await loginRaw(server, 'bob@example.com', 'pw-bob-1')).json.access_token as string;
    expect((await pullTodo(server, bob, null)).json.data.pullTodo.documents).toEqual([]);
    await pushTodo(server, bob, [{ newDocumentState: { id: 'a', title: 'bob’s', done: false, deleted: false } }]);
    expect((await server.readDocuments(ann.userId, 'todo')).find((d) => d.id === 'a')?.title).toBe('one');
  });

  it('syncs a real client both ways', async () => {
    const client = kitClient(server);
    try {
      await client.start();
      await client.login({ username: 'ann@example.com', password: 'pw-ann-1' });
      await client.awaitInSync();
      expect((await client.collections.todo.find().exec()).map((d) => d.id).sort()).toEqual(['a', 'b', 'c']);
      await client.collections.todo.insert({ id: 'd', title: 'four', done: false });
      await client.awaitInSync();
      expect((await server.readDocuments(ann.userId, 'todo')).map((d) => d.id)).toContain('d');
    } finally {
      await client.close();
    }
  });
});

// A server restored from a backup older than a client's checkpoint answers that checkpoint from
// before it (docs/wire-protocol.md, Pull), so the client runs a client reset; backup() and restore()
// make that server, with sessions and tokens untouched.
describe('the in-memory server restored from a backup', () => {
  type Point = { id: string; updatedAt: number };
  const START = { id: '', updatedAt: 0 };
  const doc = (id: string, title: string) => ({ id, title, done: false, deleted: false });
  const point = (d: Point): Point => ({ id: d.id, updatedAt: d.updatedAt });
  let server: InMemoryServer;
  let ann: { userId: string };
  let annToken: string;
  let bobToken: string;
  let backedUp: Array<Point & { title: string }>;
  let laterB: Point;
  let afterBackup: Point;
  const pull = async (token: string, checkpoint: Point | null, limit?: number) => (await pullTodo(server, token, checkpoint, limit)).json.data.pullTodo;

  beforeAll(async () => {
    server = await startInMemoryServer();
    ann = await server.createUser({ username: 'ann@example.com', password: 'pw-ann-1' });
    await server.createUser({ username: 'bob@example.com', password: 'pw-bob-1' });
    annToken = (await loginRaw(server, 'ann@example.com', 'pw-ann-1')).json.access_token;
    bobToken = (await loginRaw(server, 'bob@example.com', 'pw-bob-1')).json.access_token;
    await pushTodo(server, annToken, [{ newDocumentState: doc('a', 'a v1') }]);
    await pushTodo(server, annToken, [{ newDocumentState: doc('b', 'b v1') }]);
    backedUp = (await pull(annToken, null)).documents;
    const backup = server.backup();
    await pushTodo(server, annToken, [{ assumedMasterState: backedUp[1]!, newDocumentState: doc('b', 'b v2') }]);
    await pushTodo(server, annToken, [{ newDocumentState: doc('c', 'c v1') }]);
    const later = (await pull(annToken, null)).documents as Point[];
    laterB = point(later.find((d) => d.id === 'b')!);
    afterBackup = point(later.find((d) => d.id === 'c')!);
    server.restore(backup);
  });
  afterAll(() => server?.close());

  it('holds the documents as they were backed up, and the access tokens issued before still work', async () => {
    expect((await server.readDocuments(ann.userId, 'todo')).map((d) => d.title)).toEqual(['a v1', 'b v1']);
    expect(laterB.updatedAt).toBeGreaterThan(backedUp[1]!.updatedAt);
    expect(afterBackup.updatedAt).toBeGreaterThan(laterB.updatedAt);
    expect((await pullTodo(server, annToken, null)).status).toBe(200);
  });

  it('answers a checkpoint it does not know with the first page from the start, when that page begins before it', async () => {
    // b is stored older than the checkpoint; c, after the backup, is not stored at all.
    expect(await pull(annToken, laterB)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
    expect(await pull(annToken, laterB, 1)).toEqual({ documents: [backedUp[0]], checkpoint: point(backedUp[0]!) });
    expect(await pull(annToken, afterBackup)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
  });

  it('answers it with an empty page and the start checkpoint when nothing comes before it', async () => {
    expect(await pull(bobToken, afterBackup)).toEqual({ documents: [], checkpoint: START });
    expect(await pull(annToken, { id: 'never-written', updatedAt: 1 })).toEqual({ documents: [], checkpoint: START });
  });

  it('answers a checkpoint it knows, the start checkpoint and none as ever', async () => {
    expect(await pull(annToken, point(backedUp[0]!))).toEqual({ documents: [backedUp[1]], checkpoint: point(backedUp[1]!) });
    expect(await pull(annToken, point(backedUp[1]!))).toEqual({ documents: [], checkpoint: point(backedUp[1]!) });
    expect(await pull(annToken, START)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
    expect(await pull(bobToken, START)).toEqual({ documents: [], checkpoint: START });
    expect(await pull(bobToken, null)).toEqual({ documents: [], checkpoint: null });
  });

  it('restores one backup as often as asked, and refuses another server’s', async () => {
    const backup = server.backup();
    await pushTodo(server, annToken, [{ newDocumentState: doc('d', 'd v1') }]);
    server.restore(backup);
    await pushTodo(server, annToken, [{ newDocumentState: doc('e', 'e v1') }]);
    server.restore(backup);
    expect((await server.readDocuments(ann.userId, 'todo')).map((d) => d.id)).toEqual(['a', 'b']);
    const other = await startInMemoryServer();
    try {
      expect(() => other.restore(backup)).toThrow('not a backup of this server');
    } finally {
      await other.close();
    }
  });

  it('keeps a checkpoint known once its document is written again (updatedAt only grows)', async () => {
    const firstA = point(backedUp[0]!);
    await pushTodo(server, annToken, [{ assumedMasterState: backedUp[0]!, newDocumentState: doc('a', 'a v2') }]);
    expect((await pull(annToken, firstA)).documents.map((d: { title: string }) => d.title)).toEqual(['b v1', 'a v2']);
  });
});
