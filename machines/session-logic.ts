/**
 * Pure helpers of the session machine: refresh timing, margin clamping, backoff and expiry maths.
 * Nothing here reads a clock or a random source by itself; callers pass `now` and `random`.
 *
 * @module
 */
import type { SessionContext, SessionFailure, SessionState } from './session-events.ts';

/**
 * The largest delay `setTimeout` honours; longer ones fire after ~1 ms.
 *
 * @example
 * ```ts
 * Math.min(delay, MAX_TIMER_DELAY_MS);
 * ```
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/**
 * Default proactive-refresh margin before the access token expires.
 *
 * @example
 * ```ts
 * createActor(sessionMachine, { input: { refreshMarginMs: DEFAULT_REFRESH_MARGIN_MS } });
 * ```
 */
export const DEFAULT_REFRESH_MARGIN_MS = 60_000;
/**
 * The margin never exceeds this fraction of the token's lifetime (a 60 s margin on a 2 s token).
 * A quarter, not a half: the expiry estimate already keeps up to a quarter of the lifetime for `iat`
 * being floored to the second, and together they still refresh about once per lifetime.
 *
 * @example
 * ```ts
 * const margin = Math.min(60_000, lifetimeMs * MARGIN_LIFETIME_FRACTION);
 * ```
 */
export const MARGIN_LIFETIME_FRACTION = 0.25;
/**
 * Refreshes whose fresh token keeps being rejected before the session gives up.
 *
 * @example
 * ```ts
 * createActor(sessionMachine, { input: { maxRejectsAfterRefresh: DEFAULT_MAX_REJECTS_AFTER_REFRESH } });
 * ```
 */
export const DEFAULT_MAX_REJECTS_AFTER_REFRESH = 3;
/**
 * Default exponential backoff of transient refresh failures: 1 s doubling up to 60 s.
 *
 * @example
 * ```ts
 * computeBackoffDelay({ attempt: 2, retryAfterMs: null, random: Math.random, backoff: DEFAULT_BACKOFF });
 * ```
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000 };

// The proactive timer never fires sooner than this after entering `active`, so a degenerate
// token (lifetime ~0) cannot turn into a hot refresh loop; the 401 path still covers it.
const MIN_REFRESH_DELAY_MS = 50;
const MAX_FLOOR_MS = 1_000;

/**
 * Clamps a timer delay to `[0, 2^31 − 1]` ms (NaN becomes 0).
 *
 * @example
 * ```ts
 * clampDelay(-5); // 0
 * clampDelay(2 ** 40); // 2147483647
 * ```
 */
export function clampDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(Math.floor(ms), MAX_TIMER_DELAY_MS);
}

/**
 * The margin actually used: the configured one, but at most a quarter of the token's lifetime.
 *
 * @example
 * ```ts
 * effectiveMargin(60_000, 2_000); // 500
 * effectiveMargin(60_000, 1_800_000); // 60000
 * ```
 */
export function effectiveMargin(marginMs: number, lifetimeMs: number | null): number {
  const margin = Math.max(0, marginMs);
  if (lifetimeMs === null || !(lifetimeMs > 0)) return margin;
  return Math.min(margin, lifetimeMs * MARGIN_LIFETIME_FRACTION);
}

/**
 * The expiry facts the timing helpers need, as kept in context.
 *
 * @example
 * ```ts
 * const timing: AccessTiming = { accessExpiresAt: Date.now() + 60_000, accessLifetimeMs: 60_000, refreshMarginMs: 10_000 };
 * ```
 */
export interface AccessTiming {
  accessExpiresAt: number | null;
  accessLifetimeMs: number | null;
  refreshMarginMs: number;
}

/**
 * Milliseconds from `now` until the proactive refresh: `expiresAt − margin − now`, clamped to a
 * small floor (no hot loop) and to the `setTimeout` maximum.
 *
 * @example
 * ```ts
 * computeRefreshDelay({ accessExpiresAt: 100_000, accessLifetimeMs: 100_000, refreshMarginMs: 10_000 }, 0); // 90000
 * ```
 */
export function computeRefreshDelay(timing: AccessTiming, now: number): number {
  if (timing.accessExpiresAt === null) return MAX_TIMER_DELAY_MS;
  const margin = effectiveMargin(timing.refreshMarginMs, timing.accessLifetimeMs);
  const floor =
    timing.accessLifetimeMs !== null && timing.accessLifetimeMs > 0
      ? Math.min(MAX_FLOOR_MS, Math.max(MIN_REFRESH_DELAY_MS, timing.accessLifetimeMs * 0.25))
      : MIN_REFRESH_DELAY_MS;
  return clampDelay(Math.max(floor, timing.accessExpiresAt - margin - now));
}

/**
 * True when the access token has expired or is inside the (clamped) margin at `now`.
 *
 * @example
 * ```ts
 * isAccessDue({ accessExpiresAt: 1_000, accessLifetimeMs: null, refreshMarginMs: 0 }, 1_000); // true
 * ```
 */
export function isAccessDue(timing: AccessTiming, now: number): boolean {
  if (timing.accessExpiresAt === null) return true;
  const margin = effectiveMargin(timing.refreshMarginMs, timing.accessLifetimeMs);
  return now >= timing.accessExpiresAt - margin;
}

/**
 * True when the access token itself has expired at `now` (no margin): never send it.
 *
 * @example
 * ```ts
 * isAccessExpired(1_000, 999); // false
 * ```
 */
export function isAccessExpired(accessExpiresAt: number | null, now: number): boolean {
  return accessExpiresAt === null || now >= accessExpiresAt;
}

/**
 * True when the refresh token is known to have expired at `now`; unknown expiry is never expired.
 *
 * @example
 * ```ts
 * isRefreshExpired(null, Date.now()); // false
 * ```
 */
export function isRefreshExpired(refreshExpiresAt: number | null, now: number): boolean {
  return refreshExpiresAt !== null && now >= refreshExpiresAt;
}

/**
 * Exponential backoff bounds.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): full jitter over `min(max, base·2^(attempt−1))`,
 * never shorter than a server's `Retry-After`, clamped to the `setTimeout` maximum.
 *
 * @example
 * ```ts
 * computeBackoffDelay({ attempt: 3, retryAfterMs: null, random: () => 0.5 }); // 2000
 * ```
 */
export function computeBackoffDelay(args: {
  attempt: number;
  retryAfterMs: number | null;
  random: () => number;
  backoff?: BackoffOptions;
}): number {
  const { baseMs, maxMs } = args.backoff ?? DEFAULT_BACKOFF;
  const exponent = Math.min(Math.max(args.attempt - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const jittered = ceiling * Math.min(Math.max(args.random(), 0), 1);
  return clampDelay(Math.max(args.retryAfterMs ?? 0, jittered));
}

/**
 * Maps a snapshot's state value to the user-visible session state.
 *
 * @example
 * ```ts
 * sessionStateOf({ signedIn: { refreshing: 'backoff' } }); // 'refreshing'
 * ```
 */
export function sessionStateOf(value: string | Record<string, unknown>): SessionState {
  if (typeof value === 'string') return value as SessionState;
  const signedIn = value['signedIn'];
  const child = typeof signedIn === 'string' ? signedIn : Object.keys(signedIn ?? {})[0];
  if (child === 'refreshing') return 'refreshing';
  if (child === 'refreshExpired') return 'refreshExpired';
  if (child === 'reloggingIn') return 'loggingIn';
  if (child === 'closingSync') return 'loggingOut';
  return 'active';
}

/**
 * The clock-dependent guards and delays of the machine, bound to a time source.
 *
 * @example
 * ```ts
 * const { guards, delays }: SessionTiming = createSessionTiming({ now: Date.now, random: Math.random });
 * ```
 */
export interface SessionTiming {
  guards: {
    accessDue: (args: { context: SessionContext }) => boolean;
    refreshTokenExpired: (args: { context: SessionContext }) => boolean;
  };
  delays: {
    refreshDue: (args: { context: SessionContext }) => number;
    retryDelay: (args: { context: SessionContext }) => number;
  };
}

/**
 * Binds the machine's clock-dependent guards and delays to a clock and a random source.
 * The machine uses `Date.now`/`Math.random` by default; the client provides its injected clock.
 *
 * @example
 * ```ts
 * const timing = createSessionTiming({ now: () => clock.now(), random: Math.random });
 * sessionMachine.provide({ guards: timing.guards, delays: timing.delays });
 * ```
 */
export function createSessionTiming(source: {
  now: () => number;
  random: () => number;
  backoff?: BackoffOptions;
}): SessionTiming {
  return {
    guards: {
      accessDue: ({ context }) => isAccessDue(context, source.now()),
      refreshTokenExpired: ({ context }) => isRefreshExpired(context.refreshExpiresAt, source.now()),
    },
    delays: {
      refreshDue: ({ context }) => computeRefreshDelay(context, source.now()),
      retryDelay: ({ context }) =>
        computeBackoffDelay({
          attempt: context.failedRefreshes,
          retryAfterMs: context.retryAfterMs,
          random: source.random,
          ...(source.backoff ? { backoff: source.backoff } : {}),
        }),
    },
  };
}

/**
 * Reduces anything an actor rejected with to the token-free `{ kind, code, message }` kept in
 * context. Unknown shapes get a generic message: their text may hold anything.
 *
 * @example
 * ```ts
 * toSessionFailure(new TypeError('boom')); // { kind: 'protocol', code: 'UNEXPECTED', message: 'unexpected failure' }
 * ```
 */
export function toSessionFailure(error: unknown): SessionFailure {
  if (typeof error === 'object' && error !== null) {
    const { kind, code, message, retryAfterMs, status, serverCode } = error as Partial<Record<string, unknown>>;
    if (typeof kind === 'string' && FAILURE_KINDS.has(kind) && typeof code === 'string') {
      return {
        kind: kind as SessionFailure['kind'],
        code,
        message: typeof message === 'string' ? message : code,
        ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
        ...(typeof status === 'number' ? { status } : {}),
        ...(typeof serverCode === 'string' ? { serverCode } : {}),
      };
    }
  }
  return { kind: 'protocol', code: 'UNEXPECTED', message: 'unexpected failure' };
}

const FAILURE_KINDS: ReadonlySet<string> = new Set([
  'accessRejected',
  'refreshRejected',
  'credentialsRejected',
  'transient',
  'rateLimited',
  'rejected',
  'protocol',
]);
