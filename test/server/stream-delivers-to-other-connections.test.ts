import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { serverLanes, sharedDatabaseLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { spawnServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { graphql, PUSH_TODO, signedInUser, STREAM_TODO, todo } from '../helpers/server-requests.ts';
import { openStream } from '../helpers/server-stream.ts';

describe.each(serverLanes)('live stream ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('delivers a push from one device to the same user’s other connection as {documents, checkpoint}', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const stream = openStream(server, { authorization: `Bearer ${ada.accessToken}` });
    await stream.acknowledged;
    stream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));

    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('s1', 'from phone') }, { newDocumentState: todo('s2') }] });
    const [event] = await stream.waitFor(1);
    const stored = await server.readDocuments(ada.userId, 'todo');
    expect(event).toEqual({ data: { streamTodo: { documents: stored, checkpoint: { id: 's2', updatedAt: stored[1]!.updatedAt } } } });
    stream.close();
    await stream.closed;
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(0));
  });

  it('never streams another user’s writes', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const bob = await signedInUser(server);
    const bobStream = openStream(server, { authorization: `Bearer ${bob.accessToken}` });
    await bobStream.acknowledged;
    bobStream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('ada-secret') }] });
    await graphql(server, bob.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('bob-own') }] });
    // Batches arrive in commit order, so had Ada's leaked it would come first.
    const [first] = await bobStream.waitFor(1);
    expect(first.data.streamTodo.documents.map((d: { id: string }) => d.id)).toEqual(['bob-own']);
    bobStream.close();
    await bobStream.closed;
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(0));
  });

  it('works with the graphql-ws client and connectionParams.authorization, as RxDB uses it', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${ada.accessToken}` }, retryAttempts: 0 });
    const events: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const stop = client.subscribe({ query: STREAM_TODO }, {
        next: (value) => {
          events.push(value);
          stop();
          resolve();
        },
        error: reject,
        complete: () => {},
      });
    });
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('ws-1') }] });
    await done;
    expect(events).toEqual([{ data: { streamTodo: expect.objectContaining({ documents: [expect.objectContaining({ id: 'ws-1' })] }) } }]);
    await client.dispose();
  });
});

describe.each(sharedDatabaseLanes)('live stream across two server processes on one database ($name)', (lane) => {
  let running: LaneServer;
  let second: ServerProcess;
  beforeAll(async () => {
    running = await startLaneServer(lane);
    second = await spawnServerProcess(['--port', '0'], { DATABASE_URL: running.databaseUrl! });
  }, 60_000);
  afterAll(async () => {
    await second?.stop();
    await running.close();
  });

  it('streams a write made through one process to a subscriber of the other (LISTEN/NOTIFY), with tokens valid on both', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    // The second process verifies a token the first one signed: the signing key lives in the shared database.
    const stream = openStream({ ...server, wsUrl: second.wsUrl }, { authorization: `Bearer ${ada.accessToken}` });
    await stream.acknowledged;
    stream.subscribe();
    // The other process's subscription is not observable from here: push until a batch arrives.
    let n = 0;
    await vi.waitFor(async () => {
      await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo(`x-${++n}`) }] });
      expect(stream.received.length).toBeGreaterThan(0);
    }, { timeout: 10_000, interval: 100 });
    const [event] = stream.received;
    const stored = await server.readDocuments(ada.userId, 'todo');
    expect(stored.map((d) => d.id)).toContain(event.data.streamTodo.documents[0].id);
    expect(event.data.streamTodo.documents[0]).toEqual(stored.find((d) => d.id === event.data.streamTodo.documents[0].id));
    stream.close();
  });
});
