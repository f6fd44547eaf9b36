import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { OPERATION_TOO_LARGE } from '../../examples/server/graphql/operation-bounds.ts';
import {
  MAX_SOCKETS_PER_USER, MAX_SUBSCRIPTIONS_PER_SOCKET, TOO_MANY_SOCKETS, TOO_MANY_SUBSCRIPTIONS, UNAUTHORIZED,
} from '../../examples/server/graphql/stream-socket-server.ts';
import type { ServerLogger } from '../../examples/server/server-logger.ts';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { serverLanes, sharedDatabaseLanes, startLaneServer, TEST_SCRYPT_COST, type LaneServer } from '../helpers/server-lanes.ts';
import {
  graphql, loginPath, PULL_TODO, PUSH_TODO, request, SESSION_PATH, signedInUser, STREAM_TODO, todo, type SignedInUser,
} from '../helpers/server-requests.ts';

/** A graphql-transport-ws socket driven by hand, so tests see each message and the exact close. */
interface RawSocket {
  acknowledged: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message received (or already received) for `id`. */
  messageFor(id: string): Promise<any>;
  /** Resolves with the first `next` payload received for `id`. */
  nextFor(id: string): Promise<any>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  complete(id: string): void;
  sendRaw(data: string): void;
  close(): void;
}

function connect(server: SyncServer, accessToken: string | undefined): RawSocket {
  const ws = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const acknowledged = new Promise<void>((resolve, reject) => {
    ws.on('open', () => {
      if (accessToken !== undefined) ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${accessToken}` } }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') resolve();
      messages.push(message);
      for (const wake of waiters.splice(0)) wake();
    });
    void closed.then(({ code }) => reject(new Error(`closed with ${code} before connection_ack`)));
  });
  acknowledged.catch(() => {});
  const first = async (match: (message: any) => boolean) => {
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()));
  const send = (data: string) => void opened.then(() => ws.send(data));
  return {
    acknowledged,
    closed,
    messageFor: (id) => first((message) => message.id === id),
    nextFor: async (id) => (await first((message) => message.id === id && message.type === 'next')).payload,
    subscribe: (id, query, variables) => send(JSON.stringify({ id, type: 'subscribe', payload: { query, ...(variables ? { variables } : {}) } })),
    complete: (id) => send(JSON.stringify({ id, type: 'complete' })),
    sendRaw: send,
    close: () => ws.close(1000),
  };
}

/** Generous: unbounded, such operations ran for minutes; a busy test machine must still pass. */
const REFUSED_WITHIN_MS = 2_000;
/** Generous too: what matters is that the neighbour is answered at all while the flood runs. */
const NEIGHBOUR_SERVED_WITHIN_MS = 5_000;

const aliasedStreams = (count: number) =>
  `subscription { ${Array.from({ length: count }, (_, i) => `a${i}: streamTodo { checkpoint { id } }`).join(' ')} }`;

const refusal = (message: any) => {
  expect(message.type).toBe('error');
  expect(message.payload).toHaveLength(1);
  return message.payload[0] as { message: string; extensions: { code: string } };
};

describe.each(serverLanes)('websocket bounds ($name)', (lane) => {
  let running: LaneServer;
  const open: RawSocket[] = [];
  const socket = (accessToken: string | undefined) => {
    const opened = connect(running.server, accessToken);
    open.push(opened);
    return opened;
  };
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterEach(async () => {
    for (const opened of open.splice(0)) opened.close();
    await vi.waitFor(() => expect(running.server.stats().activeStreams).toBe(0));
  });
  afterAll(() => running.close());

  it('refuses queries and mutations, saying they go over HTTP POST, runs nothing, and keeps the socket serving', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const ws = socket(ada.accessToken);
    await ws.acknowledged;
    const before = server.stats();
    ws.subscribe('q', PULL_TODO, { checkpoint: null, limit: 10 });
    ws.subscribe('m', PUSH_TODO, { rows: [{ newDocumentState: todo('over-the-socket') }] });
    expect(refusal(await ws.messageFor('q'))).toEqual({
      message: 'queries go over HTTP: POST them to /graphql; this websocket carries subscriptions only', extensions: { code: 'BAD_REQUEST' },
    });
    expect(refusal(await ws.messageFor('m')).message).toBe('mutations go over HTTP: POST them to /graphql; this websocket carries subscriptions only');
    expect(server.stats()).toMatchObject({ pulls: before.pulls, pushes: before.pushes, refusedOperations: before.refusedOperations + 2 });
    expect(await server.readDocuments(ada.userId, 'todo')).toEqual([]);

    ws.subscribe('s', STREAM_TODO);
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('over-http') }] });
    expect((await ws.nextFor('s')).data.streamTodo.documents[0].id).toBe('over-http');
  });

  it('refuses a 20,000-alias subscribe at once, by the same token limit as HTTP', async () => {
    const ada = await signedInUser(running.server);
    const ws = socket(ada.accessToken);
    await ws.acknowledged;
    const query = aliasedStreams(20_000);
    expect(query.length).toBeLessThan(1_048_576); // under the frame limit: the bound that holds is the operation's
    const started = performance.now();
    ws.subscribe('big', query);
    expect(refusal(await ws.messageFor('big'))).toEqual({
      message: 'query has more than 10,000 tokens; at most 10,000 are allowed', extensions: { code: OPERATION_TOO_LARGE },
    });
    expect(performance.now() - started).toBeLessThan(REFUSED_WITHIN_MS);
  });

  it('refuses a subscription of more than one root field, fragments counted', async () => {
    const ada = await signedInUser(running.server);
    const ws = socket(ada.accessToken);
    await ws.acknowledged;
    ws.subscribe('many', aliasedStreams(1_000));
    ws.subscribe('two', 'subscription { ...Both } fragment Both on Subscription { a: streamTodo { checkpoint { id } } b: streamNote { checkpoint { id } } }');
    expect(refusal(await ws.messageFor('many'))).toEqual({
      message: 'operation selects 1,000 root fields; a subscription selects exactly one', extensions: { code: OPERATION_TOO_LARGE },
    });
    expect(refusal(await ws.messageFor('two')).message).toBe('operation selects 2 root fields; a subscription selects exactly one');
    ws.subscribe('docs', `subscription { streamTodo { documents { ${Array.from({ length: 60 }, (_, i) => `t${i}: title`).join(' ')} } } }`);
    expect(refusal(await ws.messageFor('docs')).message).toBe('operation may return 600,000 document fields (documents × fields selected per document); at most 500,000');
  });

  it(`runs ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions on one socket, refuses the next, and takes a new one once one ends`, async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const ws = socket(ada.accessToken);
    await ws.acknowledged;
    for (let i = 1; i <= MAX_SUBSCRIPTIONS_PER_SOCKET; i++) ws.subscribe(`s${i}`, STREAM_TODO);
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(MAX_SUBSCRIPTIONS_PER_SOCKET));
    ws.subscribe('one-too-many', STREAM_TODO);
    expect(refusal(await ws.messageFor('one-too-many'))).toEqual({
      message: `this socket has ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions open; at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} at a time`,
      extensions: { code: TOO_MANY_SUBSCRIPTIONS },
    });
    ws.complete('s1');
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(MAX_SUBSCRIPTIONS_PER_SOCKET - 1));
    ws.subscribe('replacement', STREAM_TODO);
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(MAX_SUBSCRIPTIONS_PER_SOCKET));
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('to-all-of-them') }] });
    expect((await ws.nextFor('replacement')).data.streamTodo.documents[0].id).toBe('to-all-of-them');
    expect((await ws.nextFor(`s${MAX_SUBSCRIPTIONS_PER_SOCKET}`)).data.streamTodo.documents[0].id).toBe('to-all-of-them');
  });

  it(`closes a user's socket beyond ${MAX_SOCKETS_PER_USER} with ${TOO_MANY_SOCKETS}, naming the bound, and lets other users in`, async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const sockets = Array.from({ length: MAX_SOCKETS_PER_USER }, () => socket(ada.accessToken));
    await Promise.all(sockets.map((ws) => ws.acknowledged));
    const before = server.stats().refusedStreamSockets;
    const extra = socket(ada.accessToken);
    await expect(extra.acknowledged).rejects.toThrow(String(TOO_MANY_SOCKETS));
    expect(await extra.closed).toEqual({ code: TOO_MANY_SOCKETS, reason: `this user has ${MAX_SOCKETS_PER_USER} sockets open; at most ${MAX_SOCKETS_PER_USER} at a time` });
    expect(server.stats().refusedStreamSockets).toBe(before + 1);

    const bob = await signedInUser(server);
    await socket(bob.accessToken).acknowledged;
    sockets[0]!.close();
    await sockets[0]!.closed;
    // The server may see that close a moment after the client: retry until its slot is free.
    await vi.waitFor(async () => {
      const again = socket(ada.accessToken);
      await again.acknowledged;
    });
  });

  it('closes a revoked session’s sockets with 4401, and only those', async () => {
    const { server } = running;
    const ada = await signedInUser(server);
    const secondLogin = await request(server, 'POST', loginPath(server), { username: ada.username, password: ada.password });
    const phone = socket(ada.accessToken);
    const laptop = socket(secondLogin.body.access_token);
    await Promise.all([phone.acknowledged, laptop.acknowledged]);
    expect((await request(server, 'DELETE', SESSION_PATH, undefined, ada.refreshToken)).status).toBe(204);
    expect(await phone.closed).toEqual({ code: UNAUTHORIZED, reason: 'session revoked' });
    expect(await Promise.race([laptop.closed, Promise.resolve('open')])).toBe('open');
    await server.revokeSessions(ada.userId);
    expect(await laptop.closed).toEqual({ code: UNAUTHORIZED, reason: 'session revoked' });
  });

  it('serves a well-behaved subscriber promptly while another user floods the socket with refused subscribes', async () => {
    const { server } = running;
    const attacker = await signedInUser(server);
    const neighbour = await signedInUser(server);
    const flood = socket(attacker.accessToken);
    const calm = socket(neighbour.accessToken);
    await Promise.all([flood.acknowledged, calm.acknowledged]);
    calm.subscribe('live', STREAM_TODO);
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));
    const query = aliasedStreams(20_000);
    for (let i = 0; i < 20; i++) flood.subscribe(`f${i}`, query);
    const started = performance.now();
    await graphql(server, neighbour.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('still-live') }] });
    expect((await calm.nextFor('live')).data.streamTodo.documents[0].id).toBe('still-live');
    expect(performance.now() - started).toBeLessThan(NEIGHBOUR_SERVED_WITHIN_MS);
    expect(refusal(await flood.messageFor('f19')).extensions.code).toBe(OPERATION_TOO_LARGE);
  });
});

describe.each(serverLanes)('websocket frame refusals ($name)', (lane) => {
  const lines: Array<{ level: keyof ServerLogger; message: string; data?: object }> = [];
  const logger: ServerLogger = {
    info: (message, data) => void lines.push({ level: 'info', message, ...(data ? { data } : {}) }),
    warn: (message, data) => void lines.push({ level: 'warn', message, ...(data ? { data } : {}) }),
    error: (message, data) => void lines.push({ level: 'error', message, ...(data ? { data } : {}) }),
  };
  const LIMIT = 64 * 1024;
  let running: LaneServer;
  let ada: SignedInUser;
  beforeAll(async () => {
    running = await startLaneServer(lane, { logger, maxBodyBytes: LIMIT });
    ada = await signedInUser(running.server);
  });
  afterAll(() => running.close());

  it('logs one warn line through the server logger per oversized frame, closes 1009, and prints nothing', async () => {
    const consoleError = vi.spyOn(console, 'error');
    try {
      const oversized = JSON.stringify({ id: 'x', type: 'subscribe', payload: { query: `subscription { streamTodo { checkpoint { id } } } #${'x'.repeat(LIMIT)}` } });
      const authenticated = connect(running.server, ada.accessToken);
      await authenticated.acknowledged;
      const anonymous = connect(running.server, undefined);
      lines.length = 0;
      for (const ws of [authenticated, anonymous]) {
        ws.sendRaw(oversized);
        expect((await ws.closed).code).toBe(1009);
      }
      const refused = { level: 'warn', message: 'websocket frame refused' };
      expect(lines).toEqual([
        { ...refused, data: { limit: LIMIT, reason: 'Max payload size exceeded', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', userId: ada.userId } },
        { ...refused, data: { limit: LIMIT, reason: 'Max payload size exceeded', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } },
      ]);
      expect(consoleError).not.toHaveBeenCalled();
      expect(running.server.stats().refusedFrames).toBe(2);
    } finally {
      consoleError.mockRestore();
    }
  });
});

describe.each(sharedDatabaseLanes)('websocket revocation across processes ($name)', (lane) => {
  let running: LaneServer;
  let sibling: SyncServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
    sibling = await startServer({ port: 0, scryptCost: TEST_SCRYPT_COST, databaseUrl: running.databaseUrl });
  });
  afterAll(async () => {
    await sibling.close();
    await running.close();
  });

  it('closes with 4401 a socket on another process when its session is revoked here', async () => {
    const ada = await signedInUser(running.server);
    const elsewhere = connect(sibling, ada.accessToken);
    await elsewhere.acknowledged;
    await running.server.revokeSessions(ada.userId);
    expect(await elsewhere.closed).toEqual({ code: UNAUTHORIZED, reason: 'session revoked' });
  });
});
