import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

describe.each(serverLanes)('push conflicts ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('writes a new document and returns no conflicts', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const res = await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('n1', 'milk') }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { pushTodo: [] } });
    const [stored] = await server.readDocuments(user.userId, 'todo');
    expect(stored).toMatchObject({ id: 'n1', title: 'milk', done: false, deleted: false });
  });

  it('applies an update whose assumedMasterState matches, with a server-assigned updatedAt', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('u1', 'milk') }] });
    const [master] = await server.readDocuments(user.userId, 'todo');
    const res = await graphql(server, user.accessToken, PUSH_TODO, {
      rows: [{ assumedMasterState: { ...todo('u1', 'milk'), updatedAt: master!.updatedAt }, newDocumentState: { ...todo('u1', 'milk', true), updatedAt: 1 } }],
    });
    expect(res.body.data.pushTodo).toEqual([]);
    const [updated] = await server.readDocuments(user.userId, 'todo');
    expect(updated).toMatchObject({ id: 'u1', done: true });
    expect(updated!.updatedAt).toBeGreaterThan(master!.updatedAt);
  });

  it('returns the master as a conflict when the assumed state is stale or missing, and writes nothing', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('c1', 'v1') }] });
    const [v1] = await server.readDocuments(user.userId, 'todo');
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: { ...todo('c1', 'v1'), updatedAt: v1!.updatedAt }, newDocumentState: todo('c1', 'v2') }] });
    const [v2] = await server.readDocuments(user.userId, 'todo');

    const stale = await graphql(server, user.accessToken, PUSH_TODO, {
      rows: [{ assumedMasterState: { ...todo('c1', 'v1'), updatedAt: v1!.updatedAt }, newDocumentState: todo('c1', 'from an old copy') }],
    });
    expect(stale.body.data.pushTodo).toEqual([v2]);
    const missing = await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('c1', 'blind write') }] });
    expect(missing.body.data.pushTodo).toEqual([v2]);
    expect(await server.readDocuments(user.userId, 'todo')).toEqual([v2]);
    expect(server.stats().conflicts).toBeGreaterThanOrEqual(2);
  });

  it('reports conflicts per row and still applies the other rows of the batch', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('k1', 'kept') }] });
    const res = await graphql(server, user.accessToken, PUSH_TODO, {
      rows: [{ newDocumentState: todo('k1', 'conflicting') }, { newDocumentState: todo('k2', 'fresh') }],
    });
    expect(res.body.data.pushTodo.map((d: { id: string; title: string }) => [d.id, d.title])).toEqual([['k1', 'kept']]);
    const stored = await server.readDocuments(user.userId, 'todo');
    expect(stored.map((d) => [d.id, d.title])).toEqual([['k1', 'kept'], ['k2', 'fresh']]);
  });

  it('keeps deletions as tombstones that pull returns with deleted: true', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('d1') }] });
    const [master] = await server.readDocuments(user.userId, 'todo');
    await graphql(server, user.accessToken, PUSH_TODO, {
      rows: [{ assumedMasterState: { ...todo('d1'), updatedAt: master!.updatedAt }, newDocumentState: todo('d1', 'todo d1', false, true) }],
    });
    const [tombstone] = await server.readDocuments(user.userId, 'todo');
    expect(tombstone).toMatchObject({ id: 'd1', deleted: true });
  });
});
