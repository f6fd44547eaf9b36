import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';

// PostgreSQL's text and jsonb hold no NUL character and no lone UTF-16 surrogate (what `slice` leaves
// of a cut emoji). A push carrying one is refused for that document alone, with BAD_USER_INPUT and the
// id exactly as sent, so the client can set it aside; the rest of the batch is stored.
const CUT_EMOJI = 'party 🎉'.slice(0, -1);

type Refusal = { message: string; path: string[]; extensions: { code: string; documentId: string } };

describe.each(serverLanes)('bad content ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('refuses exactly the documents with a NUL or a lone surrogate and stores the other seven once', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const good = Array.from({ length: 7 }, (_, i) => todo(`good-${i}`, `fine ${i} 🎉 ünïcødé`));
    const rows = [
      good[0], todo('nul-title', 'milk\u0000eggs'), good[1], good[2], todo('cut-title', CUT_EMOJI),
      good[3], todo('nul\u0000id', 'ok'), good[4], good[5], good[6],
    ].map((doc) => ({ newDocumentState: doc }));

    const first = await graphql(server, ada.accessToken, PUSH_TODO, { rows });
    expect(first.status).toBe(200);
    expect(first.body.data.pushTodo).toEqual([]);
    const refusals = first.body.errors as Refusal[];
    expect(refusals).toEqual([
      { message: 'field "title" contains a NUL character at position 4', path: ['pushTodo'], extensions: { code: 'BAD_USER_INPUT', documentId: 'nul-title' } },
      { message: `field "title" contains a lone UTF-16 surrogate at position ${CUT_EMOJI.length - 1}`, path: ['pushTodo'], extensions: { code: 'BAD_USER_INPUT', documentId: 'cut-title' } },
      { message: 'document id contains a NUL character at position 3', path: ['pushTodo'], extensions: { code: 'BAD_USER_INPUT', documentId: 'nul\u0000id' } },
    ]);

    const pulled = await graphql(server, ada.accessToken, PULL_TODO, { checkpoint: null, limit: 100 });
    const documents = pulled.body.data.pullTodo.documents as Array<ReturnType<typeof todo> & { updatedAt: number }>;
    expect(documents.map(({ updatedAt: _, ...doc }) => doc)).toEqual(good);

    // The client resends such a batch until it has set the refused ones aside: the same answer, no new versions.
    const again = await graphql(server, ada.accessToken, PUSH_TODO, { rows });
    expect(again.body).toEqual(first.body);
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual(documents);
  });

  it('sends back an id holding a lone surrogate escaped, exactly as the client sent it', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const loneIds = ['cut-🎉'.slice(0, -1), '\uDE00-low-first'];
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.accessToken}` },
      body: JSON.stringify({ query: PUSH_TODO, variables: { rows: [...loneIds, 'whole-🎉'].map((id) => ({ newDocumentState: todo(id) })) } }),
    });
    const text = await res.text();
    // Valid UTF-8 JSON: the half-pairs travel as \u escapes, never as U+FFFD.
    expect(text).toContain('"documentId":"cut-\\ud83c"');
    expect(text).toContain('"documentId":"\\ude00-low-first"');
    expect(text).not.toContain('\uFFFD');
    const body = JSON.parse(text) as { errors: Refusal[] };
    expect(body.errors.map((e) => [e.extensions.code, e.extensions.documentId])).toEqual(loneIds.map((id) => ['BAD_USER_INPUT', id]));
    expect(body.errors[1]!.message).toBe('document id contains a lone UTF-16 surrogate at position 0');
    expect((await server.readDocuments(ada.userId, 'todo')).map((d) => d.id)).toEqual(['whole-🎉']);
  });

  it('stores whole surrogate pairs (emoji) in ids and fields, and gives them back intact', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const docs = [todo('👩‍👩‍👧‍👦', '🎉 party 🏳️‍🌈'), todo('𝒳-math', '𝄞 clef, 😀 face, 中文')];
    const res = await graphql(server, ada.accessToken, PUSH_TODO, { rows: docs.map((doc) => ({ newDocumentState: doc })) });
    expect(res.body).toEqual({ data: { pushTodo: [] } });
    const pulled = await graphql(server, ada.accessToken, PULL_TODO, { checkpoint: null, limit: 10 });
    const stored = pulled.body.data.pullTodo.documents.map(({ updatedAt: _, ...doc }: { updatedAt: number }) => doc);
    expect(stored).toEqual(expect.arrayContaining(docs));
    expect(stored).toHaveLength(2);
  });

  it('refuses a pull checkpoint whose id no document can have with BAD_USER_INPUT', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const res = await graphql(server, ada.accessToken, PULL_TODO, { checkpoint: { id: 'a\u0000', updatedAt: 1 }, limit: 10 });
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([expect.objectContaining({
      message: 'checkpoint.id contains a NUL character at position 1', extensions: { code: 'BAD_USER_INPUT' },
    })]);
  });

  it('counts refused documents in the server stats', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const before = server.stats().refusedDocuments;
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('n', 'a\u0000') }, { newDocumentState: todo('ok') }] });
    expect(server.stats().refusedDocuments).toBe(before + 1);
  });
});
