import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

describe.each(serverLanes)('pull paging ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('returns every document exactly once, in (updatedAt, id) order, when a page boundary falls inside one updatedAt', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    // One push batch shares one updatedAt: 22 documents tie, and pages of 10 cut through them twice.
    const ids = Array.from({ length: 25 }, (_, i) => `doc-${String(i).padStart(2, '0')}`).reverse();
    await graphql(server, user.accessToken, PUSH_TODO, { rows: ids.slice(0, 3).map((id) => ({ newDocumentState: todo(id) })) });
    await graphql(server, user.accessToken, PUSH_TODO, { rows: ids.slice(3).map((id) => ({ newDocumentState: todo(id) })) });
    const stored = await server.readDocuments(user.userId, 'todo');
    const tied = stored.filter((d) => d.updatedAt === stored.at(-1)!.updatedAt);
    expect(tied).toHaveLength(22);

    const pulled: Array<{ id: string; updatedAt: number }> = [];
    let checkpoint = null;
    for (let page = 0; page < 10; page += 1) {
      const res = await graphql(server, user.accessToken, PULL_TODO, { checkpoint, limit: 10 });
      expect(res.status).toBe(200);
      const bulk = res.body.data.pullTodo;
      pulled.push(...bulk.documents);
      checkpoint = bulk.checkpoint;
      if (bulk.documents.length < 10) break;
    }
    // The first batch wrote doc-22..24: they come before the 22 tied documents of the second.
    expect(pulled.map((d) => d.id)).toEqual([...ids.slice(0, 3).sort(), ...ids.slice(3).sort()]);
    expect(pulled).toEqual(stored);
    expect(checkpoint).toEqual({ id: 'doc-21', updatedAt: stored.at(-1)!.updatedAt });
  });

  it('pulls only what was written after the checkpoint, and echoes the checkpoint when nothing is new', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('a') }] });
    const first = (await graphql(server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 100 })).body.data.pullTodo;
    expect(first.documents.map((d: { id: string }) => d.id)).toEqual(['a']);
    const empty = (await graphql(server, user.accessToken, PULL_TODO, { checkpoint: first.checkpoint, limit: 100 })).body.data.pullTodo;
    expect(empty).toEqual({ documents: [], checkpoint: first.checkpoint });

    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('b') }] });
    const next = (await graphql(server, user.accessToken, PULL_TODO, { checkpoint: first.checkpoint, limit: 100 })).body.data.pullTodo;
    expect(next.documents.map((d: { id: string }) => d.id)).toEqual(['b']);
    expect(next.documents[0].updatedAt).toBeGreaterThan(first.checkpoint.updatedAt);
  });

  it('returns no checkpoint to a first pull of an empty collection', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const res = await graphql(server, user.accessToken, PULL_TODO, { checkpoint: null, limit: 5 });
    expect(res.body.data.pullTodo).toEqual({ documents: [], checkpoint: null });
  });

  it('assigns strictly increasing updatedAt to successive writes even when the server clock goes back', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('t1') }] });
    server.shiftClock(-3_600_000);
    try {
      await graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('t2') }] });
    } finally {
      server.shiftClock(3_600_000);
    }
    const [t1, t2] = await server.readDocuments(user.userId, 'todo');
    expect(t1!.id).toBe('t1');
    expect(t2!.updatedAt).toBeGreaterThan(t1!.updatedAt);
  });
});
