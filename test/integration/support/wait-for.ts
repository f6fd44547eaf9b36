import { filter, firstValueFrom, throwError, timeout } from 'rxjs';
import type { SessionStatus, SyncClient, SyncClientEvents } from '../../../src/index.ts';

/**
 * Resolves with the first status (current included) that satisfies `predicate`; rejects after
 * `timeoutMs` naming the last status seen, so a hung test says where it stuck.
 *
 * @example
 * await waitForStatus(client, (s) => s.session === 'refreshExpired');
 */
export function waitForStatus(
  client: SyncClient,
  predicate: (status: SessionStatus) => boolean,
  timeoutMs = 5_000,
): Promise<SessionStatus> {
  return firstValueFrom(
    client.status$.pipe(
      filter(predicate),
      timeout({
        first: timeoutMs,
        with: () => throwError(() => new Error(`no matching status within ${timeoutMs} ms; last: ${JSON.stringify(client.status)}`)),
      }),
    ),
  );
}

/**
 * Resolves with the payload of the next client event `name`; rejects after `timeoutMs`.
 *
 * @example
 * const { accessExpiresAt } = await nextEvent(client, 'refreshed');
 */
export function nextEvent<K extends keyof SyncClientEvents>(client: SyncClient, name: K, timeoutMs = 5_000): Promise<SyncClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${name}' event within ${timeoutMs} ms; status: ${JSON.stringify(client.status)}`));
    }, timeoutMs);
    const off = client.on(name, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
