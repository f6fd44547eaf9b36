/**
 * The vocabulary of the session statechart: its context, input, events, emitted events and the
 * shapes its actors exchange. No token, password or refresh token appears in any of these types:
 * tokens live in a vault that the provided actors close over.
 *
 * @module
 */

/**
 * What `client.status.session` shows: the user-visible name of the current state.
 *
 * @example
 * ```ts
 * const s: SessionState = 'refreshExpired';
 * ```
 */
export type SessionState =
  | 'restoring'
  | 'loggedOut'
  | 'loggingIn'
  | 'active'
  | 'refreshing'
  | 'refreshExpired'
  | 'loggingOut';

/**
 * Why the current refresh started; it travels with the event into context and the refresh actor's
 * input. `forced` always asks the server (`refreshCustomData`); `otherTab` only adopts what another
 * tab stored and never sends a request.
 *
 * @example
 * ```ts
 * const t: RefreshTrigger = 'reactive'; // a data request got a 401
 * ```
 */
export type RefreshTrigger = 'proactive' | 'reactive' | 'wake' | 'restore' | 'forced' | 'otherTab';

/**
 * A signal that the device may have slept or come back online: re-check expiry now.
 *
 * @example
 * ```ts
 * actor.send({ type: 'session.wake', reason: 'online' });
 * ```
 */
export type WakeReason = 'visibility' | 'online' | 'focus' | 'clockJump';

/**
 * Why the user has to log in again.
 * - `refreshRejected`: the server rejected the refresh token (expired or revoked).
 * - `refreshExpired`: the refresh token is known to have expired, so no request was sent.
 * - `accessRejectedAfterRefresh`: fresh tokens kept being rejected; stopping instead of looping.
 *
 * @example
 * ```ts
 * const r: ReloginReason = 'refreshRejected';
 * ```
 */
export type ReloginReason = 'refreshRejected' | 'refreshExpired' | 'accessRejectedAfterRefresh';

/**
 * The failure classes of DESIGN.md's classification table; each one drives a different transition.
 *
 * @example
 * ```ts
 * const kind: FailureKind = 'transient'; // back off, stay signed in
 * ```
 */
export type FailureKind =
  | 'accessRejected'
  | 'refreshRejected'
  | 'credentialsRejected'
  | 'transient'
  | 'rateLimited'
  | 'rejected'
  | 'protocol';

/**
 * A failure as the machine sees it: classified, with no token and no raw cause.
 * Structurally the same as `ClassifiedFailure` in `src/errors`.
 *
 * @example
 * ```ts
 * const f: SessionFailure = { kind: 'transient', code: 'NETWORK', message: 'fetch failed' };
 * ```
 */
export interface SessionFailure {
  kind: FailureKind;
  code: string;
  message: string;
  retryAfterMs?: number;
  /** The HTTP status, when a response said it. */
  status?: number;
  /** The server's own error code, when it gave one. */
  serverCode?: string;
}

/**
 * The last error, as kept in context and shown in `client.status.lastError`.
 *
 * @example
 * ```ts
 * const e: SessionErrorInfo = { kind: 'transient', code: 'NETWORK', message: 'offline' };
 * ```
 */
export type SessionErrorInfo = Pick<SessionFailure, 'kind' | 'code' | 'message'>;

/**
 * What the login and restore actors resolve with. Times are local-clock epoch ms.
 * `accessLifetimeMs` (exp − iat) lets the machine clamp the refresh margin for short tokens.
 *
 * @example
 * ```ts
 * const info: SessionInfo = { userId: 'u1', accessExpiresAt: Date.now() + 1_800_000,
 *   accessLifetimeMs: 1_800_000, refreshExpiresAt: null, generation: 1 };
 * ```
 */
export interface SessionInfo {
  userId: string;
  accessExpiresAt: number;
  accessLifetimeMs: number | null;
  refreshExpiresAt: number | null;
  generation: number;
}

/**
 * A persisted session as read at start: the same shape as a fresh login.
 *
 * @example
 * ```ts
 * const restored: RestoredSession | null = null; // nothing stored
 * ```
 */
export type RestoredSession = SessionInfo;

/**
 * What the refresh actor resolves with. `refreshExpiresAt` is present when the refresh token
 * was rotated (a new expiry is known).
 *
 * @example
 * ```ts
 * const r: RefreshResult = { accessExpiresAt: Date.now() + 60_000, accessLifetimeMs: 60_000, generation: 2 };
 * ```
 */
export interface RefreshResult {
  accessExpiresAt: number;
  accessLifetimeMs: number | null;
  generation: number;
  refreshExpiresAt?: number | null;
}

/**
 * What `session.logout` asks for: whether to delete the user's database, and how long to try
 * pushing pending writes first. Input of the `closeSync` actor (and passed on to `logout`).
 */
export interface LogoutInput {
  wipe: boolean;
  flushTimeoutMs: number | undefined;
  /** What stayed local, per collection, once `closeSync` has run (absent without sync). */
  pendingWrites?: LeftPendingWrites;
}

/**
 * Pending writes a logout left on the device, per collection: counts and the oldest write's age.
 *
 * @example
 * ```ts
 * const left: LeftPendingWrites = { todo: { count: 2, oldestAgeMs: 60_000 } };
 * ```
 */
export type LeftPendingWrites = Record<string, { count: number; oldestAgeMs: number | null }>;

/**
 * Credentials on their way to the login actor, sealed: what devtools, logs and `JSON.stringify`
 * see of them carries no secret. The client seals them; only its login actor opens them.
 *
 * @example
 * ```ts
 * actor.send({ type: 'session.login', credentials: sealCredentials({ username, password }) });
 * ```
 */
export interface SealedCredentials {
  toJSON(): string;
}

/**
 * The tags of the session's states: the facts code outside the machine asks about.
 * - `busy`: a login or logout is under way (or the restore); another must wait;
 * - `signedIn`: a user is signed in (also while their sync closes for a logout);
 * - `awaitsToken`: a new access token is on its way; a request that cannot use the current one waits;
 * - `servesToken`: the vault's access token may be handed out while it is valid and not refused;
 * - `refreshScheduled`: nothing in flight, the proactive refresh is scheduled (an expired token here
 *   means the timer never fired: the device slept);
 * - `refreshing`: a refresh is requesting or backing off;
 * - `acceptsRefresh`: `session.refreshRequested` starts a refresh now;
 * - `reloginRequired`: sync is paused until the user logs in again.
 *
 * @example
 * ```ts
 * client.actor.getSnapshot().hasTag('reloginRequired');
 * ```
 */
export type SessionTag =
  | 'busy'
  | 'signedIn'
  | 'awaitsToken'
  | 'servesToken'
  | 'refreshScheduled'
  | 'refreshing'
  | 'acceptsRefresh'
  | 'reloginRequired';

/**
 * Events the session machine accepts. Credentials travel sealed, tokens never.
 *
 * @example
 * ```ts
 * actor.send({ type: 'session.accessRejected', generation: 3 });
 * ```
 */
export type SessionEvent =
  | { type: 'session.login'; credentials?: SealedCredentials }
  | { type: 'session.logout'; wipe?: boolean; flushTimeoutMs?: number }
  | { type: 'session.accessRejected'; generation: number }
  | { type: 'session.accessAccepted'; generation: number }
  | { type: 'session.wake'; reason: WakeReason }
  /** `forced` (the default) always asks the server; `otherTab` adopts what another tab stored. */
  | { type: 'session.refreshRequested'; trigger?: 'forced' | 'otherTab' }
  /** Another tab logged the same user in again; the client already took its session from the store. */
  | { type: 'session.adopted'; session: SessionInfo };

/**
 * Input of the replication actor that `signedIn` invokes: whose database to open. It lives as
 * long as `signedIn`, so refreshes never tear it down; another user re-enters `signedIn`.
 */
export interface ReplicationInput {
  userId: string;
}

/**
 * What the session tells its replication actor (`sendTo('replication', …)`):
 * - `replication.resume`: sync (entering `active` or `refreshing`); idempotent;
 * - `replication.pause`: stop sending, never cancel (entering `refreshExpired`);
 * - `replication.reconnect`: a new access token arrived; the live socket re-handshakes with it;
 * - `replication.wake`: retry now instead of waiting out a backoff (`session.wake`).
 *
 * @example
 * ```ts
 * const command: ReplicationCommand = { type: 'replication.pause' };
 * ```
 */
export type ReplicationCommand =
  | { type: 'replication.resume' }
  | { type: 'replication.pause' }
  | { type: 'replication.reconnect' }
  | { type: 'replication.wake' };

/**
 * Events the machine emits to `actor.on(...)` listeners.
 *
 * @example
 * ```ts
 * actor.on('reloginRequired', (e) => console.log(e.userId, e.reason));
 * ```
 */
export type SessionEmitted =
  | { type: 'reloginRequired'; userId: string; reason: ReloginReason }
  | { type: 'sessionChanged'; session: SessionState; userId: string | null }
  | { type: 'refreshed'; accessExpiresAt: number }
  | { type: 'loggedIn'; userId: string }
  /** A login failed (`userId`: who was signed in, if anyone); the failure `client.login()` rejects with. */
  | { type: 'loginFailed'; userId: string | null; error: SessionFailure }
  /** `pendingWrites`: what the logout left local (absent without sync). */
  | { type: 'loggedOut'; userId: string | null; pendingWrites?: LeftPendingWrites | undefined };

/**
 * The machine's context. Holds instants, counters and the last classified error — never a token.
 *
 * @example
 * ```ts
 * actor.getSnapshot().context.accessExpiresAt;
 * ```
 */
export interface SessionContext {
  userId: string | null;
  /** Local-clock epoch ms at which the access token expires. */
  accessExpiresAt: number | null;
  accessLifetimeMs: number | null;
  /** Local-clock epoch ms; null when unknown (opaque refresh token). */
  refreshExpiresAt: number | null;
  refreshMarginMs: number;
  refreshTrigger: RefreshTrigger | null;
  /** Number of the access token in the vault; increments on every new access token. */
  generation: number;
  /** Consecutive transient refresh failures. */
  failedRefreshes: number;
  retryAfterMs: number | null;
  /** Consecutive reactive refreshes with no accepted request in between. */
  rejectedAfterRefresh: number;
  maxRejectsAfterRefresh: number;
  reloginReason: ReloginReason | null;
  lastError: SessionErrorInfo | null;
}

/**
 * Input of the machine. All fields optional; defaults: 60 s margin, 3 rejections after refresh.
 *
 * @example
 * ```ts
 * createActor(sessionMachine, { input: { refreshMarginMs: 30_000 } });
 * ```
 */
export interface SessionInput {
  refreshMarginMs?: number;
  maxRejectsAfterRefresh?: number;
}
