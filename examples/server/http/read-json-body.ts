import type { IncomingMessage } from 'node:http';
import { discardBody, discardBoundFor } from './discard-body.ts';
import { HttpError } from './http-error.ts';

/**
 * Reads a request body as JSON, refusing more than `maxBytes` (413) and malformed JSON (400).
 * The error message says what was wrong without echoing the body. The rest of an over-limit body is
 * read and dropped before the 413, so the client can read it (see {@link discardBody}); a body too
 * large even for that gets its 413 with `connection: close`, or a destroyed connection.
 *
 * @example
 * const body = await readJsonBody(req, 1_048_576);
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readAtMost(req, maxBytes);
  if (!Buffer.isBuffer(body)) throw await tooLarge(req, maxBytes, body.read);
  const text = body.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, { error: 'request body is empty; expected JSON', error_code: 'BadRequest' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { error: 'request body is not valid JSON', error_code: 'BadRequest' });
  }
}

/** The whole body when it fits in `maxBytes`; otherwise how many bytes were read before reading stopped. */
function readAtMost(req: IncomingMessage, maxBytes: number): Promise<Buffer | { read: number }> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve({ read: 0 });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => req.off('data', onData).off('end', onEnd).off('close', onClose);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      req.pause();
      resolve({ read: size });
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = () => {
      stop();
      reject(new HttpError(400, { error: 'request body was cut off', error_code: 'BadRequest' }));
    };
    req.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}

async function tooLarge(req: IncomingMessage, maxBytes: number, read: number): Promise<HttpError> {
  const bound = discardBoundFor(maxBytes);
  // A declared length past the bound is not read at all: the 413 goes out at once, and the connection closes.
  const declared = Number(req.headers['content-length'] ?? 0);
  const drained = declared <= bound.maxBytes && (await discardBody(req, bound, read));
  return new HttpError(413, { error: `request body exceeds ${maxBytes} bytes`, error_code: 'BadRequest' }, drained ? {} : { connection: 'close' });
}
