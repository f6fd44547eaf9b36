/** Request counters by operation, read by tests through `server.stats()`. */
export interface ServerStats {
  registrations: number;
  logins: number;
  loginFailures: number;
  refreshes: number;
  refreshFailures: number;
  logouts: number;
  /** Logins and registrations refused with 429 by the throttles. */
  authThrottled: number;
  pulls: number;
  pushes: number;
  pushedDocuments: number;
  conflicts: number;
  /** Documents of pushes refused one by one (`BAD_USER_INPUT` with `documentId`); the rest of each batch was applied. */
  refusedDocuments: number;
  streamConnects: number;
  /** Live stream subscriptions open right now (a gauge, not a counter). */
  activeStreams: number;
  /** Websockets closed with 4401, at connect or when the token expired. */
  streamAuthCloses: number;
  /** `/graphql` requests refused with 401 UNAUTHENTICATED. */
  graphqlAuthFailures: number;
  /** Operations refused before running, over HTTP or websocket, by a bound or for their transport (invalid GraphQL is not counted). */
  refusedOperations: number;
  /** Websockets closed with 4429: their user already had the most open sockets allowed. */
  refusedStreamSockets: number;
  /** Websocket frames ws refused (over the size limit, malformed); each closed its socket. */
  refusedFrames: number;
}

/**
 * A zeroed counter set.
 *
 * @example
 * const stats = emptyStats();
 * stats.logins += 1;
 */
export function emptyStats(): ServerStats {
  return {
    registrations: 0, logins: 0, loginFailures: 0, refreshes: 0, refreshFailures: 0, logouts: 0, authThrottled: 0,
    pulls: 0, pushes: 0, pushedDocuments: 0, conflicts: 0, refusedDocuments: 0,
    streamConnects: 0, activeStreams: 0, streamAuthCloses: 0, graphqlAuthFailures: 0,
    refusedOperations: 0, refusedStreamSockets: 0, refusedFrames: 0,
  };
}
