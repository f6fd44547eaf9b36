import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

/**
 * Reads a request body as JSON, refusing more than `maxBytes` (413) and malformed JSON (400).
 * The error message says what was wrong without echoing the body.
 *
 * @example
 * const body = await readJsonBody(req, 1_048_576);
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, { error: `request body exceeds ${maxBytes} bytes`, error_code: 'BadRequest' });
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, { error: 'request body is empty; expected JSON', error_code: 'BadRequest' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { error: 'request body is not valid JSON', error_code: 'BadRequest' });
  }
}
