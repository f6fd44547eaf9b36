import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

describe.each(serverLanes)('repeated push ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('treats a push delivered twice (first response lost) as already applied: no conflict, no new version', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('r1', 'v1') }] });
    const [v1] = await server.readDocuments(user.userId, 'todo');
    const update = { rows: [{ assumedMasterState: { ...todo('r1', 'v1'), updatedAt: v1!.updatedAt }, newDocumentState: todo('r1', 'v2') }] };
    expect((await graphql(server, user.accessToken, PUSH_TODO, update)).body.data.pushTodo).toEqual([]);
    const [v2] = await server.readDocuments(user.userId, 'todo');

    const again = await graphql(server, user.accessToken, PUSH_TODO, update);
    expect(again.body).toEqual({ data: { pushTodo: [] } });
    expect(await server.readDocuments(user.userId, 'todo')).toEqual([v2]);
    const pulled = await graphql(server, user.accessToken, PULL_TODO, { checkpoint: { id: v2!.id, updatedAt: v2!.updatedAt }, limit: 10 });
    expect(pulled.body.data.pullTodo.documents).toEqual([]);
  });

  it('applies a re-sent first insert once, without a conflict', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const insert = { rows: [{ newDocumentState: todo('i1', 'only once') }, { newDocumentState: todo('i2') }] };
    await graphql(server, user.accessToken, PUSH_TODO, insert);
    const again = await graphql(server, user.accessToken, PUSH_TODO, insert);
    expect(again.body.data.pushTodo).toEqual([]);
    expect((await server.readDocuments(user.userId, 'todo')).map((d) => d.id)).toEqual(['i1', 'i2']);
  });
});
