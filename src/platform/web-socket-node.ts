/**
 * The platform's WebSocket class on Node: the built-in one where it exists (Node ≥ 22), else the
 * `ws` package, imported only then (Node 20 never loads it otherwise). What `#websocket` resolves
 * to under the `node` condition.
 *
 * @example
 * ```ts
 * const WebSocketImpl = await loadPlatformWebSocket(); // globalThis.WebSocket, or WebSocket from 'ws'
 * ```
 */
export async function loadPlatformWebSocket(): Promise<unknown> {
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  const ws = (await import('ws')) as { WebSocket?: unknown; default?: unknown };
  return ws.WebSocket ?? ws.default;
}
