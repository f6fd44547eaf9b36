/**
 * Devtools for a Node app: the session statechart streamed to the Stately inspector over a WebSocket
 * relay bound to 127.0.0.1.
 *
 *   npx tsx examples/devtools/inspect-node.ts               # walk through a session, print the events, exit
 *   npx tsx examples/devtools/inspect-node.ts --keep-open   # stay up; open the printed page in a browser
 *
 * It starts the reference server with 2 s access tokens, logs in, lets one proactive refresh happen,
 * makes a GraphQL request, forces a refresh, and logs out. Every inspection event is printed the way an
 * inspector would show it (a moment after the step that caused it: the inspector converts events
 * asynchronously), and at the end each token the client held is looked for in every event.
 */
import { once } from 'node:events';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocket } from 'ws';
import { startServer } from '../server/start-server.ts';
import { appServicesAuth, consoleLogger, createSyncClient } from '../../src/index.ts';
import { startInspectorRelay } from './inspector-relay.ts';

const keepOpen = process.argv.includes('--keep-open');
const credentials = { username: 'ada@example.com', password: 'correct horse battery' };

const server = await startServer({ port: 0, accessTokenTtlSec: 2 });
await server.createUser(credentials);
const relay = await startInspectorRelay({ port: Number(process.env['INSPECT_PORT'] ?? 0) });
console.log(`reference server ${server.httpUrl}; inspector relay ${relay.url} (bound to ${relay.address})`);

// A viewer of our own: it receives exactly what a browser inspector would.
const received: string[] = [];
const viewer = new WebSocket(relay.url);
viewer.on('message', (data) => {
  const message = data.toString();
  received.push(message);
  console.log(`  ${describe(message)}`);
});
await once(viewer, 'open');

const inspector = createWebSocketInspector({ url: relay.url });
const client = createSyncClient({
  auth: appServicesAuth({ baseUrl: server.authUrl, appId: server.appId }),
  graphql: { url: server.graphqlUrl, wsUrl: server.wsUrl },
  inspect: inspector.inspect,
  logger: consoleLogger({ level: 'info' }),
  wakeSignals: false,
});
const tokens = new Set<string>();
const step = (title: string): void => console.log(`\n— ${title}`);

step('start (nothing persisted: loggedOut)');
await client.start();
step('login');
await client.login(credentials);
tokens.add(await client.getValidAccessToken());
step('wait for the proactive refresh (2 s token, refreshed 1 s before it expires)');
await new Promise<void>((resolve) => client.on('refreshed', () => resolve()));
tokens.add(await client.getValidAccessToken());
step('GraphQL request');
await client.graphql.request('{ pullTodo(limit: 1) { documents { id } } }');
step('refreshCustomData (a forced refresh)');
await client.refreshCustomData();
tokens.add(await client.getValidAccessToken());

if (keepOpen) {
  console.log(`\nOpen ${relay.pageUrl} in a browser to see the statechart (refreshing every second). Ctrl-C to stop.`);
  await once(process, 'SIGINT');
}

step('logout');
await client.logout();
// The inspector converts events asynchronously: wait until the final state has reached the viewer.
const logoutSent = (): number => received.findIndex((m) => m.includes('"type":"session.logout"'));
while (logoutSent() < 0 || !received.slice(logoutSent()).some((m) => m.includes('"value":"loggedOut"'))) {
  await once(viewer, 'message');
}
await client.close();
inspector.stop();
viewer.close();
await relay.close();
await server.close();

const leaks = received.filter((m) => [...tokens].some((t) => m.includes(t)) || m.includes(credentials.password));
console.log(`\n${received.length} inspection events; ${tokens.size} access tokens held; events containing a token or the password: ${leaks.length}`);
process.exitCode = leaks.length === 0 ? 0 : 1;

/** One line per event: what the inspector shows (actor registrations, events, state values). */
function describe(message: string): string {
  const e = JSON.parse(message) as {
    type: string; name?: string; sessionId: string; sourceId?: string;
    event?: { type?: string }; snapshot?: { value?: unknown; status?: string };
  };
  switch (e.type) {
    case '@xstate.actor':
      return `actor     ${e.sessionId.padEnd(5)} registered as "${e.name}"`;
    case '@xstate.event':
      return `event     ${e.sessionId.padEnd(5)} ← ${e.event?.type}${e.sourceId ? ` (from ${e.sourceId})` : ''}`;
    case '@xstate.snapshot':
      return `snapshot  ${e.sessionId.padEnd(5)} ${e.snapshot?.value === undefined ? e.snapshot?.status : JSON.stringify(e.snapshot.value)}`;
    default:
      return e.type;
  }
}
