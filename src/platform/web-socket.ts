import type { SessionError } from '../errors/session-error.ts';
import { syncUnavailable } from '../errors/sync-unavailable.ts';
// Resolved per platform by package.json `imports`: `ws` only under the `node` condition.
import { loadPlatformWebSocket } from '#websocket';

/**
 * The WebSocket class the live stream connects with: `explicit` (the `sync.webSocketImpl` option)
 * when given, else `globalThis.WebSocket`, else (on Node 20) the `ws` package. Rejects with
 * `SYNC_UNAVAILABLE` naming the cause when there is none, so sync fails loudly instead of staying off.
 *
 * @example
 * ```ts
 * const WebSocketImpl = await resolveWebSocket(options.sync?.webSocketImpl);
 * new LiveStream({ url, tokens, operation, onFailure, webSocketImpl: WebSocketImpl });
 * ```
 */
export async function resolveWebSocket(explicit?: unknown): Promise<unknown> {
  if (explicit !== undefined) return explicit;
  let impl: unknown;
  try {
    impl = await loadPlatformWebSocket();
  } catch (error) {
    throw unavailable(error);
  }
  if (typeof impl !== 'function') throw unavailable(new Error('the ws package has no WebSocket export'));
  return impl;
}

function unavailable(cause: unknown): SessionError {
  return syncUnavailable(
    'no WebSocket implementation for the live stream',
    cause,
    'install the ws package or pass sync.webSocketImpl; local writes are kept and counted',
  );
}
