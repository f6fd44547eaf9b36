import type { InspectionEvent, Observer } from 'xstate';
import type { ReloginReason, SessionErrorInfo } from '../../machines/session-events.ts';
import { DEFAULT_BACKOFF, DEFAULT_MAX_REJECTS_AFTER_REFRESH, DEFAULT_REFRESH_MARGIN_MS } from '../../machines/session-logic.ts';
import type { BackoffOptions } from '../../machines/session-logic.ts';
import type { AuthAdapter } from '../auth/auth-adapter.ts';
import { customAuth, type CustomAuthFunctions } from '../auth/custom-auth.ts';
import { SessionError } from '../errors/session-error.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import type { WakeTarget } from '../platform/wake-signals.ts';
import { memorySessionStore } from '../session/memory-session-store.ts';
import { defaultRefreshLock, type RefreshLock } from '../session/refresh-lock.ts';
import type { SessionStore } from '../session/session-store.ts';
import { resolveSyncOptions, type ResolvedSyncOptions, type SyncCollectionOptions, type SyncOptionsInput } from '../sync/sync-options.ts';
import type { PendingWritesInfo } from '../sync/user-sync.ts';

/**
 * What `onReloginRequired` receives: whose session ended and why. Called once per expiry.
 *
 * @example
 * ```ts
 * onReloginRequired: ({ userId, reason }) => showLogin({ userId, reason })
 * ```
 */
export interface ReloginInfo {
  userId: string;
  reason: ReloginReason;
  lastError: SessionErrorInfo | null;
  /** What waits on this device for that user, per collection (empty without sync). */
  pendingWrites: Record<string, PendingWritesInfo>;
}

/**
 * Where `client.graphql` and sync send requests.
 */
export interface GraphQLEndpointOptions {
  /** HTTP endpoint, e.g. `https://api.example.com/graphql`. */
  url: string;
  /** WebSocket endpoint of the live stream; without it sync pulls every `sync.pullIntervalMs`. */
  wsUrl?: string;
  /** Per-request timeout, default 30 s. */
  timeoutMs?: number;
}

/**
 * Wake-signal watching: `false` to turn it off, or where the events come from.
 *
 * @example
 * ```ts
 * createSyncClient({ auth, wakeSignals: { target: { window, document }, checkIntervalMs: 10_000 } });
 * ```
 */
export interface WakeSignalsOption {
  target?: WakeTarget;
  checkIntervalMs?: number;
  jumpThresholdMs?: number;
}

/**
 * Options of `createSyncClient`. Only `auth` is required.
 */
export interface SyncClientOptions<C extends Record<string, SyncCollectionOptions> = Record<string, SyncCollectionOptions>>
  extends SyncOptionsInput {
  /** The collections to sync, by name: each user gets their own database of them. Turns sync on. */
  collections?: C;
  /** An adapter (`appServicesAuth`, `oauth2Auth`) or your own `{ login, refresh, logout? }` object. */
  auth: AuthAdapter | CustomAuthFunctions;
  graphql?: GraphQLEndpointOptions;
  /** Called once per expiry of the refresh token. A throwing hook is logged, never fatal. */
  onReloginRequired?: (info: ReloginInfo) => void | Promise<void>;
  /** Where the session (tokens included) is kept. Default: memory only. */
  sessionStore?: SessionStore;
  /** Refresh this long before the access token expires (clamped to a quarter of its lifetime). Default 60 s. */
  refreshMarginMs?: number;
  /** Refreshes whose new token is rejected at once, in a row, before giving up. Default 3. */
  maxRejectsAfterRefresh?: number;
  /** Backoff of failed refreshes while offline. Default 1 s doubling to 60 s, full jitter. */
  backoff?: BackoffOptions;
  /** Time source. Default: `Date.now`. */
  clock?: Clock;
  /** Random source for jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Diagnostics. Default: silent. */
  logger?: Logger;
  /** XState inspector (e.g. `createWebSocketInspector().inspect`); sees the actor from its first event. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Re-check expiry on visibility/online/focus and wall-clock jumps. Default: on. */
  wakeSignals?: boolean | WakeSignalsOption;
  /** How long logout waits for the server to revoke the refresh token. Default 10 s. */
  logoutTimeoutMs?: number;
  /**
   * Serialises refreshes between the tabs sharing the session store, so each expiry costs one
   * refresh. Default: Web Locks (`navigator.locks`) where available, else a lock of this client.
   */
  refreshLock?: RefreshLock;
}

/**
 * Options after validation, with defaults filled in.
 */
export interface ResolvedSyncClientOptions {
  auth: AuthAdapter;
  graphql: GraphQLEndpointOptions | null;
  onReloginRequired: ((info: ReloginInfo) => void | Promise<void>) | null;
  sessionStore: SessionStore;
  refreshMarginMs: number;
  maxRejectsAfterRefresh: number;
  backoff: BackoffOptions;
  clock: Clock;
  random: () => number;
  logger: Logger;
  inspect: SyncClientOptions['inspect'] | null;
  fetch: typeof fetch;
  wakeSignals: WakeSignalsOption | null;
  logoutTimeoutMs: number;
  refreshLock: RefreshLock;
  /** Null when no collections are configured (no sync). */
  sync: ResolvedSyncOptions | null;
}

const invalid = (option: string, expected: string, value: unknown): SessionError =>
  new SessionError('INVALID_OPTION', `options.${option}: expected ${expected}, got ${describe(value)}`, {
    kind: 'rejected',
  });

// Describes a bad value without echoing it (it might be a secret passed in the wrong place).
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';
const hasMethods = (value: unknown, names: readonly string[]): boolean =>
  typeof value === 'object' && value !== null && names.every((n) => isFunction((value as Record<string, unknown>)[n]));

function nonNegative(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(option, 'a non-negative number', value);
  return value;
}

function optionalFn<T>(option: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (!isFunction(value)) throw invalid(option, 'a function', value);
  return value as T;
}

/**
 * Validates options and fills in defaults; throws a `SessionError` with code `INVALID_OPTION` naming
 * the option at fault.
 *
 * @example
 * ```ts
 * resolveSyncClientOptions({ auth: { login, refresh } }).refreshMarginMs; // 60000
 * ```
 */
export function resolveSyncClientOptions(options: SyncClientOptions<any>): ResolvedSyncClientOptions {
  if (typeof options !== 'object' || options === null) throw invalid('', 'an options object', options);
  if (!hasMethods(options.auth, ['login', 'refresh'])) {
    throw invalid('auth', 'an auth adapter with login and refresh functions', options.auth);
  }
  const graphql = options.graphql;
  if (graphql !== undefined) {
    if (typeof graphql !== 'object' || graphql === null || typeof graphql.url !== 'string' || !URL.canParse(graphql.url)) {
      throw invalid('graphql.url', 'an absolute URL', graphql?.url);
    }
    if (graphql.wsUrl !== undefined && (typeof graphql.wsUrl !== 'string' || !URL.canParse(graphql.wsUrl))) {
      throw invalid('graphql.wsUrl', 'an absolute URL', graphql.wsUrl);
    }
    nonNegative('graphql.timeoutMs', graphql.timeoutMs, 0);
  }
  if (options.sessionStore !== undefined && !hasMethods(options.sessionStore, ['load', 'save', 'clear'])) {
    throw invalid('sessionStore', 'a SessionStore with load, save and clear', options.sessionStore);
  }
  if (options.clock !== undefined && !hasMethods(options.clock, ['now'])) {
    throw invalid('clock', 'a Clock with now()', options.clock);
  }
  if (options.logger !== undefined && !hasMethods(options.logger, ['debug', 'info', 'warn', 'error'])) {
    throw invalid('logger', 'a Logger with debug, info, warn and error', options.logger);
  }
  const maxRejects = options.maxRejectsAfterRefresh ?? DEFAULT_MAX_REJECTS_AFTER_REFRESH;
  if (!Number.isInteger(maxRejects) || maxRejects < 1) {
    throw invalid('maxRejectsAfterRefresh', 'an integer ≥ 1', options.maxRejectsAfterRefresh);
  }
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  nonNegative('backoff.baseMs', backoff.baseMs, 0);
  nonNegative('backoff.maxMs', backoff.maxMs, 0);
  const inspect = options.inspect;
  if (inspect !== undefined && !isFunction(inspect) && !hasMethods(inspect, ['next'])) {
    throw invalid('inspect', 'an inspection observer or function', inspect);
  }
  if (options.refreshLock !== undefined && !hasMethods(options.refreshLock, ['run'])) {
    throw invalid('refreshLock', 'a RefreshLock with run(name, fn)', options.refreshLock);
  }
  const wake = options.wakeSignals ?? true;
  if (typeof wake !== 'boolean' && (typeof wake !== 'object' || wake === null)) {
    throw invalid('wakeSignals', 'a boolean or wake-signal options', wake);
  }
  return {
    auth: customAuth(options.auth),
    graphql: graphql ?? null,
    onReloginRequired: optionalFn('onReloginRequired', options.onReloginRequired, null),
    sessionStore: options.sessionStore ?? memorySessionStore(),
    refreshMarginMs: nonNegative('refreshMarginMs', options.refreshMarginMs, DEFAULT_REFRESH_MARGIN_MS),
    maxRejectsAfterRefresh: maxRejects,
    backoff,
    clock: options.clock ?? systemClock,
    random: optionalFn('random', options.random, Math.random),
    logger: options.logger ?? silentLogger,
    inspect: inspect ?? null,
    // Read the global at call time, so a fetch installed after creation is used.
    fetch: optionalFn('fetch', options.fetch, ((input, init) => globalThis.fetch(input, init)) as typeof fetch),
    wakeSignals: wake === false ? null : wake === true ? {} : wake,
    logoutTimeoutMs: nonNegative('logoutTimeoutMs', options.logoutTimeoutMs, 10_000),
    refreshLock: options.refreshLock ?? defaultRefreshLock(),
    sync: resolveSyncOptions(options, graphql ?? null),
  };
}
