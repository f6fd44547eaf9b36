import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

// The server assigns updatedAt, so a device's assumedMasterState can hold its own older updatedAt.
describe.each(serverLanes)('push conflicts compare content, not updatedAt ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('applies a second edit pushed before the echo of the first: no conflict, nothing lost', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const conflictsBefore = server.stats().conflicts;
    const clientUpdatedAt = 1_000;
    const first = { ...todo('q1', 'milk'), updatedAt: clientUpdatedAt };
    expect((await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: first }] })).body.data.pushTodo).toEqual([]);
    const [stored] = await server.readDocuments(user.userId, 'todo');
    expect(stored!.updatedAt).not.toBe(clientUpdatedAt);

    const second = { ...todo('q1', 'oat milk'), updatedAt: clientUpdatedAt + 1 };
    const res = await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: first, newDocumentState: second }] });
    expect(res.body).toEqual({ data: { pushTodo: [] } });
    const [kept] = await server.readDocuments(user.userId, 'todo');
    expect(kept).toMatchObject({ id: 'q1', title: 'oat milk', deleted: false });
    expect(kept!.updatedAt).toBeGreaterThan(stored!.updatedAt);
    expect(server.stats().conflicts).toBe(conflictsBefore);
  });

  it('still returns the master when another device changed the content meanwhile', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const seen = { ...todo('q2', 'milk'), updatedAt: 1_000 };
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: seen }] });
    const [v1] = await server.readDocuments(user.userId, 'todo');
    // The other device edits the same document, knowing the server's version.
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: v1, newDocumentState: todo('q2', 'milk', true) }] });
    const [master] = await server.readDocuments(user.userId, 'todo');
    const conflictsBefore = server.stats().conflicts;

    const res = await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: seen, newDocumentState: todo('q2', 'bread') }] });
    expect(res.body.data.pushTodo).toEqual([master]);
    expect(await server.readDocuments(user.userId, 'todo')).toEqual([master]);
    expect(server.stats().conflicts).toBe(conflictsBefore + 1);
  });

  it('treats a different deleted flag as a conflict even when the fields match', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('q3') }] });
    const [v1] = await server.readDocuments(user.userId, 'todo');
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: v1, newDocumentState: todo('q3', 'todo q3', false, true) }] });
    const [tombstone] = await server.readDocuments(user.userId, 'todo');

    const res = await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ assumedMasterState: todo('q3'), newDocumentState: todo('q3', 'revived') }] });
    expect(res.body.data.pushTodo).toEqual([tombstone]);
  });
});
