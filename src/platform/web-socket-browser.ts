/**
 * The platform's WebSocket class where it is built in (browsers, workers, Deno, Bun, Node ≥ 22):
 * what `#websocket` resolves to outside Node, so a browser bundle never contains the `ws` package.
 *
 * @example
 * ```ts
 * const WebSocketImpl = await loadPlatformWebSocket(); // globalThis.WebSocket
 * ```
 */
export async function loadPlatformWebSocket(): Promise<unknown> {
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  throw new Error('this platform has no globalThis.WebSocket');
}
