/**
 * session-sync: an offline-first sync client whose user session is an XState statechart.
 * Explicit named exports only; the statechart itself is on the `./machines` subpath.
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

// The client facade
export { createSyncClient } from './client/sync-client.ts';
export type { SyncClient } from './client/sync-client.ts';
export type { SessionActor } from './client/session-actor-factory.ts';
export type { LogoutOptions, LogoutResult } from './client/logout-options.ts';
export type {
  SyncClientOptions,
  ReloginInfo,
  GraphQLEndpointOptions,
  WakeSignalsOption,
} from './client/sync-client-options.ts';
export type { SessionStatus, SyncStatusFields, ClientSyncState, SyncUser } from './client/session-status.ts';
export type { SyncCollectionOptions, SyncTuningOptions, UserCollections } from './client/sync-options.ts';
export type { MigrationProgress } from './sync/schema-migration.ts';
export type { SyncConflict } from './client/sync-host.ts';
export type { PendingWritesInfo } from './client/user-sync.ts';
export type { SyncClientEvents, SyncClientEventHandler } from './client/client-events.ts';
export type { SessionState, ReloginReason, RefreshTrigger, SessionErrorInfo } from '../machines/session-events.ts';

// Sync: operations for servers with other GraphQL conventions, refused documents
export { defaultOperations } from './sync/graphql-operations.ts';
export type {
  CollectionOperations,
  PullOperation,
  PushOperation,
  StreamOperation,
  PullBulk,
  PushRow,
  ServerDocument,
} from './sync/graphql-operations.ts';
export type { RejectedDocument } from './sync/rejected-documents.ts';
export type { RetryOutcome } from './sync/rejected-actions.ts';
export type { RetryPolicy } from './sync/retry-delay.ts';

// Auth adapters
export { appServicesAuth } from './auth/app-services-auth.ts';
export type { AppServicesAuthOptions } from './auth/app-services-auth.ts';
export { oauth2Auth } from './auth/oauth2-auth.ts';
export type { OAuth2AuthOptions } from './auth/oauth2-auth.ts';
export { customAuth } from './auth/custom-auth.ts';
export type { CustomAuthFunctions, CustomGrant } from './auth/custom-auth.ts';
export type { AuthAdapter, AuthContext, Credentials, TokenGrant } from './auth/auth-adapter.ts';

// Session stores
export { memorySessionStore } from './session/memory-session-store.ts';
export { indexedDbSessionStore } from './session/indexed-db-session-store.ts';
export type { IndexedDbSessionStoreOptions } from './session/indexed-db-session-store.ts';
export { localStorageSessionStore } from './session/local-storage-session-store.ts';
export type { LocalStorageSessionStoreOptions, StorageLike } from './session/local-storage-session-store.ts';
export { fileSessionStore } from './session/file-session-store.ts';
export type { FileSessionStoreOptions } from './session/file-session-store.ts';
export type { SessionStore, StoredSession } from './session/session-store.ts';
export { defaultRefreshLock, inProcessRefreshLock, webRefreshLock } from './session/refresh-lock.ts';
export type { LockManagerLike, RefreshLock } from './session/refresh-lock.ts';

// Errors
export { SessionError, isSessionError } from './errors/session-error.ts';
export type { SessionErrorCode, SessionErrorOptions } from './errors/session-error.ts';
export { classifyFailure } from './errors/classify-failure.ts';
export type { ClassifiedFailure, FailureKind, FailurePhase, FailureSignal } from './errors/classify-failure.ts';

// GraphQL transport
export { createAuthenticatedGraphQL } from './graphql/authenticated-graphql.ts';
export type {
  AuthenticatedGraphQL,
  AuthenticatedGraphQLOptions,
  GraphQLErrorInfo,
  GraphQLRequestOptions,
  GraphQLResult,
  TokenSource,
} from './graphql/authenticated-graphql.ts';

// Platform
export { systemClock } from './platform/clock.ts';
export type { Clock } from './platform/clock.ts';
export { silentLogger, consoleLogger } from './platform/logger.ts';
export type { Logger, LogLevel } from './platform/logger.ts';
export { watchWakeSignals } from './platform/wake-signals.ts';
export type { WakeReason, WakeTarget } from './platform/wake-signals.ts';
