import type { SessionStatus } from './session-status.ts';
import type { ReloginInfo } from './sync-client-options.ts';
import { redactSecrets } from '../platform/redact.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * The events of `client.on(...)` and their payloads.
 *
 * @example
 * ```ts
 * const off = client.on('sessionChanged', (status) => render(status.session));
 * ```
 */
export interface SyncClientEvents {
  /** The refresh token is gone: ask the user to log in again. Once per expiry. */
  reloginRequired: ReloginInfo;
  /** `status.session` or `status.userId` changed. */
  sessionChanged: SessionStatus;
  /** A new access token arrived. */
  refreshed: { accessExpiresAt: number };
  loggedIn: { userId: string };
  loggedOut: { userId: string | null };
}

/**
 * A handler of one client event.
 *
 * @example
 * ```ts
 * const onRefreshed: SyncClientEventHandler<'refreshed'> = ({ accessExpiresAt }) => schedule(accessExpiresAt);
 * ```
 */
export type SyncClientEventHandler<K extends keyof SyncClientEvents> = (payload: SyncClientEvents[K]) => unknown;

/**
 * Calls a user-supplied function so that nothing it does can break the client: a throw or a
 * rejected promise is logged (redacted) and swallowed.
 *
 * @example
 * ```ts
 * callSafely(logger, 'onReloginRequired', () => options.onReloginRequired?.(info));
 * ```
 */
export function callSafely(logger: Logger, name: string, fn: () => unknown): void {
  const report = (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`${name} threw; ignored`, { error: redactSecrets(message) });
  };
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}

/**
 * A tiny typed event hub whose handlers are called safely.
 *
 * @example
 * ```ts
 * const hub = new ClientEventHub(logger);
 * const off = hub.on('loggedIn', ({ userId }) => console.log(userId));
 * hub.emit('loggedIn', { userId: 'u1' });
 * off();
 * ```
 */
export class ClientEventHub {
  readonly #handlers = new Map<keyof SyncClientEvents, Set<(payload: never) => unknown>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<K extends keyof SyncClientEvents>(event: K, handler: SyncClientEventHandler<K>): () => void {
    const set = this.#handlers.get(event) ?? new Set();
    this.#handlers.set(event, set);
    const entry = handler as (payload: never) => unknown;
    set.add(entry);
    return () => void set.delete(entry);
  }

  emit<K extends keyof SyncClientEvents>(event: K, payload: SyncClientEvents[K]): void {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) {
      callSafely(this.#logger, `'${event}' handler`, () => (handler as SyncClientEventHandler<K>)(payload));
    }
  }

  clear(): void {
    this.#handlers.clear();
  }
}
