import type { IncomingMessage } from 'node:http';

/** An unwanted body is read and dropped up to this many times the body limit… */
export const DISCARD_FACTOR = 16;
/** …and for at most this long; past either bound, the connection is destroyed instead. */
export const DISCARD_TIMEOUT_MS = 10_000;

/** How much of an unwanted body {@link discardBody} reads before it gives up on the connection. */
export interface DiscardBound {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * The bound for a server whose body limit is `maxBodyBytes`.
 *
 * @example
 * await discardBody(req, discardBoundFor(1_048_576)); // up to 16 MiB, for up to 10 s
 */
export function discardBoundFor(maxBodyBytes: number): DiscardBound {
  return { maxBytes: maxBodyBytes * DISCARD_FACTOR, timeoutMs: DISCARD_TIMEOUT_MS };
}

/**
 * Reads the rest of a request body without keeping any of it. A client still sending its body
 * when the server answers and closes sees EPIPE or ECONNRESET rather than the answer; read to the
 * end, the answer is readable and the keep-alive connection stays usable. Resolves true once the
 * body has ended, false when it went past `bound` (`alreadyRead` counts toward `maxBytes`) or the
 * client went away; then the connection is destroyed.
 *
 * @example
 * if (await discardBody(req, discardBoundFor(maxBytes), bytesReadSoFar)) sendJson(res, 413, body);
 */
export function discardBody(req: IncomingMessage, bound: DiscardBound, alreadyRead = 0): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = alreadyRead;
    let settled = false;
    const finish = (ended: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      if (!ended) req.socket?.destroy();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > bound.maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.readableEnded);
    const timer = setTimeout(() => finish(false), bound.timeoutMs);
    req.on('data', onData).once('end', onEnd).once('close', onClose);
    req.resume();
  });
}
