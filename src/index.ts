/**
 * session-sync: an offline-first sync client whose user session is an XState statechart.
 *
 * This entry point holds what an app calls and the types it writes. Building blocks for your own
 * adapters, stores and transports, and the named types of single option and status fields, are on
 * `session-sync/advanced`; the statechart itself is on `session-sync/machines`. The surface of all
 * three is recorded in api/session-sync.api.md (`npm run api:update`).
 *
 * @example
 * ```ts
 * import { createSyncClient, appServicesAuth, isSessionError } from 'session-sync';
 * const client = createSyncClient({ auth: appServicesAuth({ baseUrl, appId }) });
 * await client.start();
 * ```
 *
 * @module
 */

// The client
export { createSyncClient } from './client/sync-client.ts';
export type { SyncClient } from './client/sync-client.ts';
export type { SyncClientOptions } from './client/sync-client-options.ts';
export type { SyncCollectionOptions, UserCollections } from './sync/sync-options.ts';
export type { SyncClientEvents } from './client/client-events.ts';
export type { LogoutOptions, LogoutResult, SyncUser } from './client/public-types.ts';
export type { ReloginInfo } from './client/sync-client-options.ts';

// Its status
export type { SessionStatus, ClientSyncState } from './client/session-status.ts';
export type { SessionState } from '../machines/session-events.ts';
export type { MigrationProgress } from './sync/schema-migration.ts';
export type { PendingWritesInfo } from './sync/user-sync.ts';

// Sync: conflicts, refused documents, operations for servers with other GraphQL conventions
export type { SyncConflict } from './sync/signed-in-sync.ts';
export type { RejectedDocument } from './sync/rejected-documents.ts';
export type { RetryOutcome } from './sync/rejected-actions.ts';
export { defaultOperations } from './sync/graphql-operations.ts';
export type { CollectionOperations } from './sync/graphql-operations.ts';

// Auth adapters
export { appServicesAuth } from './auth/app-services-auth.ts';
export { oauth2Auth } from './auth/oauth2-auth.ts';
export { customAuth } from './auth/custom-auth.ts';
export type { CustomAuthFunctions } from './auth/custom-auth.ts';
export type { AuthAdapter, Credentials, TokenGrant } from './auth/auth-adapter.ts';

// Session stores and the refresh lock
export { memorySessionStore } from './session/memory-session-store.ts';
export { indexedDbSessionStore } from './session/indexed-db-session-store.ts';
export { localStorageSessionStore } from './session/local-storage-session-store.ts';
export { fileSessionStore } from './session/file-session-store.ts';
export type { SessionStore, StoredSession } from './session/session-store.ts';
export { defaultRefreshLock, inProcessRefreshLock, webRefreshLock } from './session/refresh-lock.ts';
export type { RefreshLock } from './session/refresh-lock.ts';

// Errors
export { SessionError, isSessionError } from './errors/session-error.ts';
export type { SessionErrorCode } from './errors/session-error.ts';

// Platform
export { systemClock } from './platform/clock.ts';
export type { Clock } from './platform/clock.ts';
export { silentLogger, consoleLogger } from './platform/logger.ts';
export type { Logger } from './platform/logger.ts';
