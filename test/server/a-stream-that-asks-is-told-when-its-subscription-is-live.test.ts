import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { graphql, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';
import { openStream } from '../helpers/server-stream.ts';

// A client that sends `announceLive: true` in connectionParams hears one empty event once its
// subscription is live, before any change, so it can pull again and miss nothing committed between its
// connect and the subscription. A client that did not ask (RxDB's own plugin) never gets it.
describe.each(serverLanes)('the live announcement ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('comes first, empty, to a client that asked, and the changes follow', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const stream = openStream(server, { authorization: `Bearer ${ada.accessToken}`, announceLive: true });
    await stream.acknowledged;
    stream.subscribe();
    const [live] = await stream.waitFor(1);
    expect(live).toEqual({ data: { streamTodo: { documents: [], checkpoint: null } } });
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('after-live') }] });
    const [, change] = await stream.waitFor(2);
    expect(change.data.streamTodo.documents.map((d: { id: string }) => d.id)).toEqual(['after-live']);
    stream.close();
    await stream.closed;
  });

  it('never comes to a client that did not ask', async () => {
    const { server } = running;
    const bob = await signedInUser(server);
    const stream = openStream(server, { authorization: `Bearer ${bob.accessToken}` });
    await stream.acknowledged;
    stream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    await graphql(server, bob.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('first-change') }] });
    const [first] = await stream.waitFor(1);
    expect(first.data.streamTodo.documents.map((d: { id: string }) => d.id)).toEqual(['first-change']);
    stream.close();
    await stream.closed;
  });
});
