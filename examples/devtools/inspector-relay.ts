import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** Options of {@link startInspectorRelay}. */
export interface InspectorRelayOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1: inspection shows your app's state, keep it off the network. */
  host?: string;
  /** Where the viewer page embeds the inspector UI. Default: Stately's hosted inspector. */
  inspectorUrl?: string;
  /** How many non-registration events are kept for viewers that connect late. Default 500. */
  replayLimit?: number;
}

/** A running relay: apps send inspection events to `url`; viewers connect to it too, or open `pageUrl`. */
export interface InspectorRelay {
  /** `ws://127.0.0.1:PORT`: pass to `createWebSocketInspector({ url })`. */
  url: string;
  /** `http://127.0.0.1:PORT`: a page that shows the events in the Stately inspector. */
  pageUrl: string;
  port: number;
  /** The address actually bound. */
  address: string;
  close(): Promise<void>;
}

/**
 * Relays XState inspection events between WebSocket clients: whatever one client sends, every other
 * client receives. It plays the part of `@statelyai/inspect/server`'s `createInspectorServer`, which
 * listens on every interface and opens a browser; this one binds 127.0.0.1 and opens nothing.
 *
 * Late viewers get every actor registration (`@xstate.actor`, which carries the machine definition the
 * inspector draws) followed by the most recent events, so they can draw the machines whenever they join.
 *
 * @example
 * const relay = await startInspectorRelay({ port: 8080 });
 * const inspector = createWebSocketInspector({ url: relay.url });
 * const client = createSyncClient({ auth, inspect: inspector.inspect });
 * console.log(`open ${relay.pageUrl}`);
 */
export async function startInspectorRelay(options: InspectorRelayOptions = {}): Promise<InspectorRelay> {
  const host = options.host ?? '127.0.0.1';
  const inspectorUrl = options.inspectorUrl ?? 'https://stately.ai/inspect';
  const replayLimit = options.replayLimit ?? 500;
  const registrations: string[] = [];
  const recent: string[] = [];

  let wsUrl = '';
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(viewerPage(wsUrl, inspectorUrl));
  });
  const sockets = new WebSocketServer({ server: http });
  sockets.on('connection', (socket) => {
    for (const message of [...registrations, ...recent]) socket.send(message);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = data.toString();
      if (isRegistration(message)) registrations.push(message);
      else {
        recent.push(message);
        if (recent.length > replayLimit) recent.shift();
      }
      for (const other of sockets.clients) {
        if (other !== socket && other.readyState === WebSocket.OPEN) other.send(message);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const { port, address } = http.address() as AddressInfo;
  wsUrl = `ws://${host}:${port}`;
  return {
    url: wsUrl,
    pageUrl: `http://${host}:${port}`,
    port,
    address,
    async close() {
      for (const socket of sockets.clients) socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function isRegistration(message: string): boolean {
  try {
    return (JSON.parse(message) as { type?: unknown }).type === '@xstate.actor';
  } catch {
    return false;
  }
}

// The viewer page: the inspector UI in an iframe, fed from the relay once the UI says it is ready.
function viewerPage(wsUrl: string, inspectorUrl: string): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>session-sync inspector</title>
<style>html, body, iframe { margin: 0; width: 100%; height: 100%; border: 0; }</style>
<iframe id="ui" src="${inspectorUrl}"></iframe>
<script>
  const ui = document.getElementById('ui');
  const pending = [];
  let ready = false;
  addEventListener('message', (e) => {
    if (e.data?.type !== '@statelyai.connected') return;
    ready = true;
    for (const event of pending.splice(0)) ui.contentWindow.postMessage(event, '*');
  });
  new WebSocket(${JSON.stringify(wsUrl)}).onmessage = (e) => {
    const event = JSON.parse(e.data);
    if (ready) ui.contentWindow.postMessage(event, '*');
    else pending.push(event);
  };
</script>
`;
}
