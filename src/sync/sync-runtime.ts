import type { TokenSource } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * What sync takes from the client that runs it: where each request gets its token, the `fetch`
 * to send it with, the clock, and the logger. One bundle, passed down as it is.
 */
export interface SyncRuntime {
  tokens: TokenSource;
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
}
