import { fieldProblem } from '../sync/document-content.ts';
import { AuthError } from './auth-error.ts';

/**
 * Largest custom data, as UTF-8 JSON. It rides in every access token, and the token in every request's
 * `Authorization` header: 4 KiB keeps a token near 6 KiB, under the 8 KiB header limit of common
 * proxies and far under Node's 16 KiB.
 */
export const MAX_CUSTOM_DATA_BYTES = 4096;

/**
 * Refuses custom data that is not a JSON object, is larger than {@link MAX_CUSTOM_DATA_BYTES}, or holds
 * what PostgreSQL's jsonb cannot store (a NUL, a lone surrogate, a non-finite number): a 400
 * `BadRequest` naming the problem.
 *
 * @example
 * assertCustomData({ plan: 'pro' });   // fine
 * assertCustomData(['pro']);           // throws AuthError 400: custom data must be a JSON object
 */
export function assertCustomData(data: unknown): asserts data is Record<string, unknown> {
  const bad = (why: string) => new AuthError(400, 'BadRequest', `custom data ${why}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('must be a JSON object');
  // The walk first: it stops at a nesting depth that could exhaust JSON.stringify's stack.
  const problem = fieldProblem('customData', data);
  if (problem) throw bad(`is not storable: ${problem}`);
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (bytes > MAX_CUSTOM_DATA_BYTES) throw bad(`must be at most ${MAX_CUSTOM_DATA_BYTES} bytes as JSON, got ${bytes}`);
}
