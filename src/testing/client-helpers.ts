import { filter, firstValueFrom, throwError, timeout } from 'rxjs';
import type { SyncClient } from '../client/sync-client.ts';
import type { SessionStatus } from '../client/session-status.ts';

// Test helpers that move a real client into the states an app's UI reacts to. Platform-neutral.

/** Options of the waiting helpers. */
export interface UntilOptions {
  /** Fail after this long. Default 10 s. */
  timeoutMs?: number;
  /** What is waited for, in the timeout's message. */
  what?: string;
}

/** What a helper needs of a server to end a session: the in-memory server, or the reference server. */
export interface SessionEndingServer {
  revokeSessions(userId: string): Promise<void>;
  expireSession?(userId: string): Promise<void>;
}

/** What a helper needs of a server to take it down and back: the in-memory server. */
export interface DownableServer {
  goDown(): void;
  comeBack(): void;
}

/**
 * The first `client.status` (now or later) that passes `predicate`; rejects after `timeoutMs`
 * naming what it waited for and the last status.
 *
 * @example
 * ```ts
 * await untilStatus(client, (s) => s.sync === 'offline');
 * ```
 */
export function untilStatus(client: SyncClient<any>, predicate: (status: SessionStatus) => boolean, options: UntilOptions = {}): Promise<SessionStatus> {
  const ms = options.timeoutMs ?? 10_000;
  return firstValueFrom(
    client.status$.pipe(
      filter(predicate),
      timeout({
        first: ms,
        with: () => throwError(() => new Error(`timed out after ${ms} ms waiting for ${options.what ?? 'a status'} (last status: ${JSON.stringify(client.status)})`)),
      }),
    ),
  );
}

/**
 * Checks `condition` until it holds (for state without events: a server's documents, a rendered
 * view); rejects after `timeoutMs`. The pause between checks only paces them.
 *
 * @example
 * ```ts
 * await eventually(async () => (await server.readDocuments(userId, 'todo')).length === 3);
 * ```
 */
export async function eventually(condition: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const ms = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Takes a signed-in client to `refreshExpired` now: ends its user's sessions on the server
 * (`how: 'revoke'`, the default, or `'expire'`), then has the client refresh at once (as it would at
 * its access token's expiry), which the server refuses: the session pauses sync, keeps local writes
 * and calls `onReloginRequired`. The server must be up. Resolves with that status.
 *
 * @example
 * ```ts
 * const status = await driveToReloginRequired(client, server);
 * status.reloginReason; // 'refreshRejected'
 * ```
 */
export async function driveToReloginRequired(
  client: SyncClient<any>,
  server: SessionEndingServer,
  options: UntilOptions & { how?: 'revoke' | 'expire' } = {},
): Promise<SessionStatus> {
  const userId = client.status.userId;
  if (userId === null) throw new Error('driveToReloginRequired: nobody is signed in');
  if (options.how === 'expire') {
    if (!server.expireSession) throw new Error('driveToReloginRequired: this server has no expireSession');
    await server.expireSession(userId);
  } else {
    await server.revokeSessions(userId);
  }
  // A forced refresh: refused with InvalidSession, which ends the session.
  await client.refreshCustomData().catch(() => undefined);
  return untilStatus(client, (s) => s.session === 'refreshExpired', { what: 'refreshExpired', ...options });
}

/**
 * Takes the server down and, given a client, waits until it shows `sync: 'offline'` (it notices at
 * its next request: a write's push, or the next pull).
 *
 * @example
 * ```ts
 * await goOffline(server, client);
 * ```
 */
export async function goOffline(server: DownableServer, client?: SyncClient<any>, options: UntilOptions = {}): Promise<SessionStatus | undefined> {
  server.goDown();
  if (!client) return undefined;
  return untilStatus(client, (s) => s.sync === 'offline', { what: "sync 'offline'", ...options });
}

/**
 * Brings the server back and, given a client, waits until its sync runs again with no error
 * showing (it retries with backoff; `sync.retry` bounds the wait).
 *
 * @example
 * ```ts
 * await comeBackOnline(server, client);
 * ```
 */
export async function comeBackOnline(server: DownableServer, client?: SyncClient<any>, options: UntilOptions = {}): Promise<SessionStatus | undefined> {
  server.comeBack();
  if (!client) return undefined;
  return untilStatus(client, (s) => s.sync === 'running' && s.syncError === null, { what: "sync 'running' again", ...options });
}
