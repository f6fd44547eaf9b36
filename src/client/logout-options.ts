import type { PendingWritesInfo } from './user-sync.ts';

/**
 * Options of `client.logout()`.
 *
 * @example
 * ```ts
 * await client.logout({ wipe: true });
 * ```
 */
export interface LogoutOptions {
  /** Also delete this user's local database. Default false: it stays for their return. */
  wipe?: boolean;
  /** First try this long to push pending writes. Default: no flush. */
  flushTimeoutMs?: number;
}

/**
 * What `client.logout()` resolves with: the writes that stayed on this device, per collection
 * (deleted with the database when `wipe` was set).
 *
 * @example
 * ```ts
 * const { pendingWrites } = await client.logout({ flushTimeoutMs: 5_000 });
 * if (pendingWrites.todo?.count) warn(`${pendingWrites.todo.count} changes were not uploaded`);
 * ```
 */
export interface LogoutResult {
  pendingWrites: Record<string, PendingWritesInfo>;
}
