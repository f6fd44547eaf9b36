import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

// A user's documents are theirs alone: pulls return only the caller's, and a push can only ever
// write the caller's own documents, whatever ids or assumed states it names.
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

  it('writes a push naming another user’s id and state to the caller’s own document, leaving theirs untouched', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const mallory = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('shared-id', 'ada’s') }] });
    const [adaDoc] = await server.readDocuments(ada.userId, 'todo');

    const res = await graphql(server, mallory.accessToken, PUSH_TODO, {
      rows: [
        { assumedMasterState: { ...todo('shared-id', 'ada’s'), updatedAt: adaDoc!.updatedAt }, newDocumentState: todo('shared-id', 'mallory’s') },
        { newDocumentState: todo('mallory-1', 'own') },
      ],
    });
    // Nothing tells Mallory that Ada has this id: no refusal, no conflict, none of Ada's data.
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { pushTodo: [] } });
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual([adaDoc]);
    expect((await server.readDocuments(mallory.userId, 'todo')).map((d) => [d.id, d.title])).toEqual([['mallory-1', 'own'], ['shared-id', 'mallory’s']]);
  });

  it('keeps ids apart per collection: a todo id may be a note id too', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('same') }] });
    const note = await graphql(server, ada.accessToken, 'mutation($rows: [NotePushRow!]!) { pushNote(rows: $rows) { id } }',
      { rows: [{ newDocumentState: { id: 'same', body: 'hello', deleted: false } }] });
    expect(note.body).toEqual({ data: { pushNote: [] } });
    expect(await server.readDocuments(ada.userId, 'note')).toEqual([expect.objectContaining({ id: 'same', body: 'hello' })]);
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual([expect.objectContaining({ id: 'same', title: 'todo same' })]);
  });
});
