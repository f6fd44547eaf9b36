import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

// Several users push batches of the same new ids at the same moment, in different orders. However
// the inserts interleave, every push is answered (no 500 from a database deadlock) without a single
// refusal, and every user ends up with all the ids, each document under its owner with its content.
const USERS = 4;
const ROUNDS = 6;
const IDS = 40;

describe.each(serverLanes)('racing first pushes of one id ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('never deadlocks: all land, each under its owner', async () => {
    const { server } = running;
    const users = await Promise.all(Array.from({ length: USERS }, () => signedInUser(server)));
    for (let round = 0; round < ROUNDS; round += 1) {
      const ids = Array.from({ length: IDS }, (_, i) => `race-${round}-${String(i).padStart(2, '0')}`);
      // Each user starts at another offset, half of them going backwards.
      const orderFor = (u: number) => {
        const rotated = [...ids.slice(u * 10), ...ids.slice(0, u * 10)];
        return u % 2 === 0 ? rotated : rotated.reverse();
      };
      const answers = await Promise.all(users.map((user, u) => graphql(server, user.accessToken, PUSH_TODO, {
        rows: orderFor(u).map((id) => ({ newDocumentState: todo(id, `${id} by user ${u}`) })),
      })));
      expect(answers.map((a) => a.status)).toEqual(users.map(() => 200));
      expect(answers.map((a) => a.body)).toEqual(users.map(() => ({ data: { pushTodo: [] } })));
      for (const [u, user] of users.entries()) {
        const stored = (await server.readDocuments(user.userId, 'todo')).filter((d) => ids.includes(d.id));
        expect(stored.map((d) => [d.id, d.title])).toEqual(ids.map((id) => [id, `${id} by user ${u}`]));
      }
    }
  });
});
