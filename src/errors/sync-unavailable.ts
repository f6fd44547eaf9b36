import { SessionError } from './session-error.ts';

/**
 * The error of a sync that cannot start (code `SYNC_UNAVAILABLE`, kind `rejected`): what
 * `status.syncError` shows and `ready()`/`awaitInSync()` reject with. The message says what
 * failed, the cause in one line (redacted like every `SessionError` message) and what happens to
 * local writes.
 *
 * @example
 * ```ts
 * syncUnavailable('the user database could not be opened', error, 'nothing can be stored on this device');
 * // SessionError SYNC_UNAVAILABLE: "sync cannot start: the user database could not be opened
 * //   (MissingAPIError: IndexedDB API missing …); nothing can be stored on this device"
 * ```
 */
export function syncUnavailable(what: string, cause: unknown, consequence: string): SessionError {
  const detail = cause === undefined ? '' : ` (${describeCause(cause)})`;
  return new SessionError('SYNC_UNAVAILABLE', `sync cannot start: ${what}${detail}; ${consequence}`, { kind: 'rejected', cause });
}

/**
 * One line naming an error: its name, its code when it has one (RxDB's `SC39`, …) and the first
 * line of its message, at most 300 characters (RxDB's messages run to pages).
 *
 * @example
 * ```ts
 * describeCause(new TypeError('x is undefined')); // 'TypeError: x is undefined'
 * ```
 */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = (error as { code?: unknown }).code;
  const line = error.message.split('\n').map((part) => part.trim()).find((part) => part.length > 0) ?? '';
  const name = typeof code === 'string' && code.length > 0 && !line.includes(code) ? `${error.name} ${code}` : error.name;
  return `${name}: ${line}`.slice(0, 300);
}
