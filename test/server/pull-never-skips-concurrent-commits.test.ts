import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

describe.each(serverLanes)('concurrent writers ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('gives each concurrent batch its own increasing updatedAt, and a reader following checkpoints misses none', async () => {
    const { server } = running;
    const user = await signedInUser(server);
    const seen: string[] = [];
    let checkpoint: unknown = null;
    const pullOnce = async () => {
      const bulk = (await graphql(server, user.accessToken, PULL_TODO, { checkpoint, limit: 3 })).body.data.pullTodo;
      seen.push(...bulk.documents.map((d: { id: string }) => d.id));
      checkpoint = bulk.checkpoint;
    };
    const writers = Array.from({ length: 24 }, (_, i) =>
      graphql(server, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo(`w-${String(i).padStart(2, '0')}`) }] }));
    // Read while the writes commit: a checkpoint taken past a later-committing earlier updatedAt would skip it.
    for (let i = 0; i < 8; i += 1) await pullOnce();
    await Promise.all(writers);
    for (let i = 0; i < 24 && seen.length < 24; i += 1) await pullOnce();

    expect([...seen].sort()).toEqual(Array.from({ length: 24 }, (_, i) => `w-${String(i).padStart(2, '0')}`));
    const stored = await server.readDocuments(user.userId, 'todo');
    expect(new Set(stored.map((d) => d.updatedAt)).size).toBe(24);
  });
});
