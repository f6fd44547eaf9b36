/**
 * The `session-sync/advanced` subpath: building blocks for your own auth adapters, session stores,
 * GraphQL transports and platform integrations, and the named types of single option and status
 * fields. An app that calls `createSyncClient` with the adapters and stores of `session-sync` needs
 * none of it.
 *
 * @example
 * ```ts
 * import { classifyFailure } from 'session-sync/advanced';
 * classifyFailure({ status: 503 }, 'refresh').kind; // 'transient'
 * ```
 *
 * @module
 */

// Failure classification: the `kind` of every failure, for adapters that throw their own errors
export { classifyFailure } from './errors/classify-failure.ts';
export type { ClassifiedFailure, FailureKind, FailurePhase, FailureSignal, HeadersLike } from './errors/classify-failure.ts';
export type { SessionErrorOptions } from './errors/session-error.ts';

// An authenticated GraphQL transport of your own (the client's `client.graphql` is one)
export { createAuthenticatedGraphQL } from './graphql/authenticated-graphql.ts';
export type {
  AuthenticatedGraphQL,
  AuthenticatedGraphQLOptions,
  GraphQLErrorInfo,
  GraphQLRequestOptions,
  GraphQLResult,
  TokenSource,
} from './graphql/authenticated-graphql.ts';

// Wake signals (the client watches them itself; `wakeSignals: { target }` points it elsewhere)
export { watchWakeSignals } from './platform/wake-signals.ts';
export type { WakeDocument, WakeEventSource, WakeReason, WakeSignalOptions, WakeTarget } from './platform/wake-signals.ts';

// The parts of a GraphQL operation override (CollectionOperations is on the main entry)
export type {
  PullOperation,
  PushOperation,
  StreamOperation,
  PullBulk,
  PushRow,
  ServerDocument,
} from './sync/graphql-operations.ts';

// Writing an auth adapter or a session store
export type { AuthContext } from './auth/auth-adapter.ts';
export type { CustomGrant } from './auth/custom-auth.ts';
export type { AppServicesAuthOptions } from './auth/app-services-auth.ts';
export type { OAuth2AuthOptions } from './auth/oauth2-auth.ts';
export type { IndexedDbSessionStoreOptions } from './session/indexed-db-session-store.ts';
export type { LocalStorageSessionStoreOptions, StorageLike } from './session/local-storage-session-store.ts';
export type { FileSessionStoreOptions } from './session/file-session-store.ts';
export type { LockManagerLike } from './session/refresh-lock.ts';
export type { ConsoleSink, LogLevel } from './platform/logger.ts';

// Named types of single fields of the client's options, status and events
export type { GraphQLEndpointOptions, WakeSignalsOption } from './client/sync-client-options.ts';
export type { CollectionDocument, SyncTuningOptions } from './sync/sync-options.ts';
export type { SyncTab } from './sync/tab-sync.ts';
export type { RetryPolicy } from './sync/retry-delay.ts';
export type { SessionActor } from './client/public-types.ts';
export type { SyncClientEventHandler } from './client/client-events.ts';
export type { ReloginReason, SessionErrorInfo } from '../machines/session-events.ts';
