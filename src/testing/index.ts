/**
 * The `session-sync/testing` subpath: a kit for testing an app's own session UI (its relogin dialog,
 * its offline badge) against a real client in vitest or Playwright. An in-memory server that follows
 * docs/wire-protocol.md with fault knobs, a TCP fault proxy, and helpers that move a client into the
 * states the UI shows.
 *
 * Node-only: `startInMemoryServer` (node:http) and `startFaultProxy` (node:net), so the entry as a
 * whole is for test runners on Node. `createInMemoryServer` and the client helpers use no Node API
 * (the in-memory server answers through its `fetch` function there).
 *
 * @example
 * ```ts
 * import { startInMemoryServer, driveToReloginRequired } from 'session-sync/testing';
 * const server = await startInMemoryServer();
 * // … a client of server.authUrl and server.graphqlUrl, logged in …
 * await driveToReloginRequired(client, server);
 * ```
 *
 * @module
 */

// The in-memory server
export { startInMemoryServer } from './in-memory-http-server.ts';
export type { InMemoryServer, StartInMemoryServerOptions } from './in-memory-http-server.ts';
export { createInMemoryServer } from './in-memory-server.ts';
export type {
  FailBatchesOptions,
  InMemoryAnswer,
  InMemoryBackup,
  InMemoryDocument,
  InMemoryServerControls,
  InMemoryServerCore,
  InMemoryServerOptions,
  InMemoryServerStats,
} from './in-memory-server.ts';

// The fault proxy
export { startFaultProxy } from './fault-proxy.ts';
export type { FaultMode, FaultProxy, FaultProxyOptions } from './fault-proxy.ts';

// Client helpers
export { comeBackOnline, driveToReloginRequired, eventually, goOffline, untilStatus } from './client-helpers.ts';
export type { DownableServer, SessionEndingServer, UntilOptions } from './client-helpers.ts';
