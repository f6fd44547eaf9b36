/**
 * The `./machines` subpath: the pure session statechart, its vocabulary and its pure helpers,
 * for visualising, traversing or providing the machine yourself.
 *
 * @example
 * ```ts
 * import { sessionMachine } from 'session-sync/machines';
 * ```
 *
 * @module
 */
export { sessionMachine } from './session.machine.ts';
export type {
  FailureKind,
  LeftPendingWrites,
  LogoutInput,
  RefreshResult,
  RefreshTrigger,
  ReloginReason,
  ReplicationCommand,
  ReplicationInput,
  RestoredSession,
  SessionContext,
  SessionEmitted,
  SessionErrorInfo,
  SessionEvent,
  SessionFailure,
  SessionInfo,
  SessionInput,
  SealedCredentials,
  SessionState,
  SessionTag,
  WakeReason,
} from './session-events.ts';
export {
  clampDelay,
  computeBackoffDelay,
  computeRefreshDelay,
  createSessionTiming,
  DEFAULT_BACKOFF,
  DEFAULT_MAX_REJECTS_AFTER_REFRESH,
  DEFAULT_REFRESH_MARGIN_MS,
  effectiveMargin,
  isAccessDue,
  isAccessExpired,
  isRefreshExpired,
  MARGIN_LIFETIME_FRACTION,
  MAX_TIMER_DELAY_MS,
  sessionStateOf,
  toSessionFailure,
} from './session-logic.ts';
export type { AccessTiming, BackoffOptions, SessionTiming } from './session-logic.ts';
