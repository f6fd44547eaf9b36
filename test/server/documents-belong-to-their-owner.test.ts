import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

describe.each(serverLanes)('ownership ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('pulls only the caller’s documents', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const bob = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('ada-1') }] });
    await graphql(server, bob.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('bob-1') }] });
    const adaPull = await graphql(server, ada.accessToken, PULL_TODO, { checkpoint: null, limit: 100 });
    const bobPull = await graphql(server, bob.accessToken, PULL_TODO, { checkpoint: null, limit: 100 });
    expect(adaPull.body.data.pullTodo.documents.map((d: { id: string }) => d.id)).toEqual(['ada-1']);
    expect(bobPull.body.data.pullTodo.documents.map((d: { id: string }) => d.id)).toEqual(['bob-1']);
  });

  it('refuses a push to another user’s document with a per-document FORBIDDEN and applies the other rows', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const mallory = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('shared-id', 'ada’s') }] });
    const [adaDoc] = await server.readDocuments(ada.userId, 'todo');

    const res = await graphql(server, mallory.accessToken, PUSH_TODO, {
      rows: [
        { assumedMasterState: { ...todo('shared-id', 'ada’s'), updatedAt: adaDoc!.updatedAt }, newDocumentState: todo('shared-id', 'stolen') },
        { newDocumentState: todo('mallory-1', 'own') },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data.pushTodo).toEqual([]);
    expect(res.body.errors).toEqual([{
      message: expect.stringContaining('belongs to another user'),
      path: ['pushTodo'],
      extensions: { code: 'FORBIDDEN', documentId: 'shared-id' },
    }]);
    // The refusal does not leak the owner's data.
    expect(JSON.stringify(res.body)).not.toContain('ada’s');
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual([adaDoc]);
    expect((await server.readDocuments(mallory.userId, 'todo')).map((d) => [d.id, d.title])).toEqual([['mallory-1', 'own']]);
    expect(server.stats().forbiddenDocuments).toBe(1);
  });

  it('keeps ids apart per collection: a todo id may be reused as a note id by someone else', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const bob = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('same') }] });
    const note = await graphql(server, bob.accessToken, 'mutation($rows: [NotePushRow!]!) { pushNote(rows: $rows) { id } }',
      { rows: [{ newDocumentState: { id: 'same', body: 'hello', deleted: false } }] });
    expect(note.body).toEqual({ data: { pushNote: [] } });
    expect(await server.readDocuments(bob.userId, 'note')).toEqual([expect.objectContaining({ id: 'same', body: 'hello' })]);
  });
});
