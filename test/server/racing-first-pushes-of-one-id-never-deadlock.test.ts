import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

// Two users push batches of the same new ids at the same moment, in opposite orders (ids are global
// per collection). However the inserts interleave, every push is answered (no 500 from a database
// deadlock): each id goes to exactly one of them and the other gets a per-document FORBIDDEN.
const ROUNDS = 8;
const IDS = 40;

describe.each(serverLanes)('racing first pushes of one id ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('never deadlocks: each id ends with one owner, the other user is told FORBIDDEN for it', async () => {
    const { server } = running;
    const [ada, bob] = await Promise.all([signedInUser(server), signedInUser(server)]);
    for (let round = 0; round < ROUNDS; round += 1) {
      const ids = Array.from({ length: IDS }, (_, i) => `race-${round}-${String(i).padStart(2, '0')}`);
      const rows = (order: string[]) => order.map((id) => ({ newDocumentState: todo(id) }));
      const [forAda, forBob] = await Promise.all([
        graphql(server, ada.accessToken, PUSH_TODO, { rows: rows(ids) }),
        graphql(server, bob.accessToken, PUSH_TODO, { rows: rows([...ids].reverse()) }),
      ]);
      expect([forAda.status, forBob.status]).toEqual([200, 200]);
      const refused = (body: { errors?: Array<{ extensions: { code: string; documentId: string } }> }) =>
        (body.errors ?? []).map((e) => { expect(e.extensions.code).toBe('FORBIDDEN'); return e.extensions.documentId; });
      const adaOwns = (await server.readDocuments(ada.userId, 'todo')).map((d) => d.id).filter((id) => ids.includes(id));
      const bobOwns = (await server.readDocuments(bob.userId, 'todo')).map((d) => d.id).filter((id) => ids.includes(id));
      expect([...adaOwns, ...bobOwns].sort()).toEqual(ids);
      expect(refused(forAda.body).sort()).toEqual([...bobOwns].sort());
      expect(refused(forBob.body).sort()).toEqual([...adaOwns].sort());
    }
  });
});
