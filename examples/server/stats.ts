/** Request counters by operation, read by tests through `server.stats()`. */
export interface ServerStats {
  registrations: number;
  logins: number;
  loginFailures: number;
  refreshes: number;
  refreshFailures: number;
  logouts: number;
  pulls: number;
  pushes: number;
  pushedDocuments: number;
  conflicts: number;
  forbiddenDocuments: number;
  streamConnects: number;
  /** Live stream subscriptions open right now (a gauge, not a counter). */
  activeStreams: number;
  /** Websockets closed with 4401, at connect or when the token expired. */
  streamAuthCloses: number;
  /** `/graphql` requests refused with 401 UNAUTHENTICATED. */
  graphqlAuthFailures: number;
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
    registrations: 0, logins: 0, loginFailures: 0, refreshes: 0, refreshFailures: 0, logouts: 0,
    pulls: 0, pushes: 0, pushedDocuments: 0, conflicts: 0, forbiddenDocuments: 0,
    streamConnects: 0, activeStreams: 0, streamAuthCloses: 0, graphqlAuthFailures: 0,
  };
}
