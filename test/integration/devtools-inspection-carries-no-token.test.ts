import { once } from 'node:events';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startInspectorRelay, type InspectorRelay } from '../../examples/devtools/inspector-relay.ts';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { memorySessionStore, type SessionStore, type SyncClient } from '../../src/index.ts';
import { clientFor, createTestUser, PULL_ONE, startLifecycleServer } from './support/lifecycle-server.ts';

interface Relayed { type: string; sessionId: string; name?: string; definition?: string; event?: { type?: string }; snapshot?: { value?: unknown } }

/** A viewer on the relay: what a browser inspector would receive, raw and parsed. */
async function connectViewer(url: string): Promise<{ raw: string[]; events: Relayed[]; socket: WebSocket }> {
  const raw: string[] = [];
  const socket = new WebSocket(url);
  socket.on('message', (data) => void raw.push(data.toString()));
  await once(socket, 'open');
  return { raw, get events() { return raw.map((m) => JSON.parse(m) as Relayed); }, socket };
}

/** Every token the client ever persisted: the session store is the one place tokens may be. */
function recordingStore(tokens: Set<string>): SessionStore {
  const store = memorySessionStore();
  return {
    load: () => store.load(),
    clear: () => store.clear(),
    save: (session) => {
      tokens.add(session.accessToken);
      if (session.refreshToken) tokens.add(session.refreshToken);
      return store.save(session);
    },
  };
}

describe('devtools: the WebSocket inspector through a relay on 127.0.0.1', () => {
  let server: SyncServer | undefined;
  let relay: InspectorRelay | undefined;
  let client: SyncClient | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    await client?.close();
    for (const socket of sockets.splice(0)) socket.terminate();
    await relay?.close();
    await server?.close();
  });

  it('delivers the session actor registration first and no token in any event, across a whole lifecycle', async () => {
    server = await startLifecycleServer({ accessTokenTtlSec: 60, refreshTokenTtlSec: 3_600 });
    const ann = await createTestUser(server, { plan: 'free' });
    relay = await startInspectorRelay({ port: 0 });
    expect(relay.address).toBe('127.0.0.1');
    const viewer = await connectViewer(relay.url);
    sockets.push(viewer.socket);
    const inspector = createWebSocketInspector({ url: relay.url });
    const tokens = new Set<string>();
    client = clientFor(server, { inspect: inspector.inspect, sessionStore: recordingStore(tokens) });

    await client.start();
    await client.login({ username: ann.username, password: ann.password });
    await client.graphql.request(PULL_ONE);
    server.shiftClock(90_000); // reactive refresh
    await Promise.all(Array.from({ length: 5 }, () => client!.graphql.request(PULL_ONE)));
    await client.refreshCustomData();
    await server.revokeSessions(ann.userId);
    await client.refreshCustomData().catch(() => undefined); // → refreshExpired
    await client.login({ username: ann.username, password: ann.password });
    await client.logout();
    // The inspector converts and sends asynchronously: wait for the final state to reach the viewer.
    const loggedOutAfterLogout = (): boolean => {
      const events = viewer.events;
      const logout = events.findIndex((e) => e.event?.type === 'session.logout');
      return logout >= 0 && events.slice(logout).some((e) => e.type === '@xstate.snapshot' && e.snapshot?.value === 'loggedOut');
    };
    while (!loggedOutAfterLogout()) await once(viewer.socket, 'message');
    inspector.stop();

    const events = viewer.events;
    const rootId = client.actor.sessionId;
    expect(events[0]).toMatchObject({ type: '@xstate.actor', name: 'session', sessionId: rootId });
    expect(events[0]!.definition).toContain('refreshExpired');
    // Every actor (the session and each invoked auth call) is registered before anything else about it.
    const firstBySession = new Map<string, string>();
    for (const e of events) if (!firstBySession.has(e.sessionId)) firstBySession.set(e.sessionId, e.type);
    expect(new Set(firstBySession.values())).toEqual(new Set(['@xstate.actor']));
    expect(firstBySession.size).toBeGreaterThan(6);
    const rootStates = events.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === rootId).map((e) => JSON.stringify(e.snapshot?.value));
    for (const state of ['"loggedOut"', '"loggingIn"', '{"signedIn":"active"}', '{"signedIn":{"refreshing":"requesting"}}', '{"signedIn":"refreshExpired"}', '"loggingOut"']) {
      expect(rootStates).toContain(state);
    }

    expect(tokens.size).toBeGreaterThanOrEqual(5);
    const everything = viewer.raw.join('\n');
    for (const token of tokens) expect(everything).not.toContain(token);
    expect(everything).not.toContain(ann.password);
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);

    // A viewer that opens the inspector only now still gets the registrations first.
    const late = await connectViewer(relay.url);
    sockets.push(late.socket);
    while (late.raw.length < firstBySession.size) await once(late.socket, 'message');
    expect(late.events[0]).toMatchObject({ type: '@xstate.actor', name: 'session', sessionId: rootId });
  });
});
