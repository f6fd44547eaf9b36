import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo, type SignedInUser } from '../helpers/server-requests.ts';
import { openStream } from '../helpers/server-stream.ts';

// Each user has their own ids: two users can both have document "a", with different content, and
// neither sees, blocks or conflicts with the other's.
describe.each(serverLanes)('ids per owner ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  const push = (user: SignedInUser, rows: object[]) => graphql(running.server, user.accessToken, PUSH_TODO, { rows });
  const pulledTitles = async (user: SignedInUser) => {
    const res = await graphql(running.server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 100 });
    return res.body.data.pullTodo.documents.map((d: { id: string; title: string; deleted: boolean }) => [d.id, d.title, d.deleted]);
  };

  it('lets two users both create "a" with their own content, each reading back only theirs', async () => {
    const ada = await signedInUser(running.server);
    const bob = await signedInUser(running.server);
    expect((await push(ada, [{ newDocumentState: todo('a', 'ada’s a') }])).body).toEqual({ data: { pushTodo: [] } });
    // The second user's first push of the id is answered exactly as a fresh id would be.
    expect((await push(bob, [{ newDocumentState: todo('a', 'bob’s a') }])).body).toEqual({ data: { pushTodo: [] } });
    expect(await pulledTitles(ada)).toEqual([['a', 'ada’s a', false]]);
    expect(await pulledTitles(bob)).toEqual([['a', 'bob’s a', false]]);
  });

  it('compares a push with the caller’s own version only: edits and deletes never cross', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const bob = await signedInUser(server);
    await push(ada, [{ newDocumentState: todo('a', 'ada v1') }]);
    await push(bob, [{ newDocumentState: todo('a', 'bob v1') }]);
    const [adaV1] = await server.readDocuments(ada.userId, 'todo');

    // Bob's edit based on his own v1 is no conflict for him, and does not move Ada's document.
    expect((await push(bob, [{ assumedMasterState: todo('a', 'bob v1'), newDocumentState: todo('a', 'bob v2') }])).body)
      .toEqual({ data: { pushTodo: [] } });
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual([adaV1]);

    // Ada's edit based on Bob's state conflicts with her own document, and names only hers.
    const stale = await push(ada, [{ assumedMasterState: todo('a', 'bob v2'), newDocumentState: todo('a', 'ada v2') }]);
    expect(stale.body.data.pushTodo).toEqual([{ ...todo('a', 'ada v1'), updatedAt: adaV1!.updatedAt }]);

    await push(ada, [{ assumedMasterState: todo('a', 'ada v1'), newDocumentState: todo('a', 'ada v1', false, true) }]);
    expect(await pulledTitles(ada)).toEqual([['a', 'ada v1', true]]);
    expect(await pulledTitles(bob)).toEqual([['a', 'bob v2', false]]);
  });

  it('streams a user only their own "a"', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const bob = await signedInUser(server);
    const bobStream = openStream(server, { authorization: `Bearer ${bob.accessToken}` });
    await bobStream.acknowledged;
    const streamsBefore = server.stats().activeStreams;
    bobStream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(streamsBefore + 1));
    await push(ada, [{ newDocumentState: todo('a', 'ada’s a') }]);
    await push(bob, [{ newDocumentState: todo('a', 'bob’s a') }]);
    // Batches arrive in commit order: had Ada's leaked, it would come first.
    const [first] = await bobStream.waitFor(1);
    expect(first.data.streamTodo.documents).toEqual([expect.objectContaining({ id: 'a', title: 'bob’s a' })]);
    bobStream.close();
    await bobStream.closed;
  });
});
