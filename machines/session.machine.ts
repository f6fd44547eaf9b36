/**
 * The session statechart: login, proactive and reactive refresh, offline backoff, refresh expiry
 * and relogin, logout. Pure: its actors are typed stubs that the client provides, and no token
 * ever enters its context, events, actor input or output.
 *
 * @module
 */
import { assign, emit, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import type {
  LeftPendingWrites,
  SealedCredentials,
  LogoutInput,
  RefreshResult,
  RefreshTrigger,
  ReloginReason,
  ReplicationCommand,
  ReplicationInput,
  RestoredSession,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInfo,
  SessionInput,
  SessionState,
  SessionTag,
} from './session-events.ts';
import {
  createSessionTiming,
  DEFAULT_MAX_REJECTS_AFTER_REFRESH,
  DEFAULT_REFRESH_MARGIN_MS,
  toSessionFailure,
} from './session-logic.ts';

const notProvided = (name: string) => async (): Promise<never> => {
  throw new Error(`session machine: actor "${name}" is not provided`);
};

// Standalone defaults (visualisation, pure tests); the client provides clock-bound versions.
const defaultTiming = createSessionTiming({ now: () => Date.now(), random: () => 0.5 });

const signedOutContext = {
  userId: null,
  accessExpiresAt: null,
  accessLifetimeMs: null,
  refreshExpiresAt: null,
  refreshTrigger: null,
  generation: 0,
  failedRefreshes: 0,
  retryAfterMs: null,
  rejectedAfterRefresh: 0,
  reloginReason: null,
} as const;

/**
 * The session machine. Provide its actors (`restoreSession`, `login` with input `{ credentials }`,
 * `refresh` with input `{ trigger }`, `closeSync` and `logout` with a {@link LogoutInput},
 * `replication`: a callback actor receiving {@link ReplicationCommand}s) and, for an injected
 * clock, its timing guards and delays (see `createSessionTiming`). Code outside the machine reads
 * its tags ({@link SessionTag}), not its state names.
 *
 * @example
 * ```ts
 * import { createActor, fromPromise } from 'xstate';
 * const actor = createActor(
 *   sessionMachine.provide({ actors: { restoreSession: fromPromise(async () => null) } }),
 *   { input: { refreshMarginMs: 60_000 } },
 * ).start();
 * actor.on('reloginRequired', ({ userId, reason }) => console.log(userId, reason));
 * ```
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
    input: {} as SessionInput,
    tags: {} as SessionTag,
  },
  actors: {
    restoreSession: fromPromise<RestoredSession | null>(notProvided('restoreSession')),
    login: fromPromise<SessionInfo, { credentials: SealedCredentials | undefined }>(notProvided('login')),
    refresh: fromPromise<RefreshResult, { trigger: RefreshTrigger | null }>(notProvided('refresh')),
    // Without sync there is nothing to flush or close: the logout options pass straight on.
    closeSync: fromPromise<LogoutInput, LogoutInput>(async ({ input }) => input),
    logout: fromPromise<{ pendingWrites?: LeftPendingWrites | undefined } | void, LogoutInput>(notProvided('logout')),
    // No-op by default: the machine runs (and draws) without sync; src provides the real one.
    replication: fromCallback<ReplicationCommand, ReplicationInput>(() => undefined),
  },
  guards: {
    ...defaultTiming.guards,
    isCurrentGeneration: ({ context, event }) => 'generation' in event && event.generation === context.generation,
    isStaleGeneration: ({ context, event }) => 'generation' in event && event.generation !== context.generation,
    rejectLimitReached: ({ context }) =>
      context.rejectedAfterRefresh >= context.maxRejectsAfterRefresh,
    isRefreshRejected: (_, params: { error: unknown }) =>
      toSessionFailure(params.error).kind === 'refreshRejected',
    isSameUser: ({ context }, params: { userId: string }) => params.userId === context.userId,
    isPresent: (_, params: { value: unknown }) => params.value !== null && params.value !== undefined,
    hasReloginReason: ({ context }) => context.reloginReason !== null,
    canRetryEarly: ({ context }) => context.lastError?.kind !== 'rateLimited',
  },
  delays: defaultTiming.delays,
  actions: {
    applySession: assign((_, params: SessionInfo) => ({
      ...signedOutContext,
      userId: params.userId,
      accessExpiresAt: params.accessExpiresAt,
      accessLifetimeMs: params.accessLifetimeMs,
      refreshExpiresAt: params.refreshExpiresAt,
      generation: params.generation,
      lastError: null,
    })),
    applyRefresh: assign(({ context }, params: RefreshResult) => ({
      accessExpiresAt: params.accessExpiresAt,
      accessLifetimeMs: params.accessLifetimeMs,
      refreshExpiresAt:
        params.refreshExpiresAt === undefined ? context.refreshExpiresAt : params.refreshExpiresAt,
      generation: params.generation,
      failedRefreshes: 0,
      retryAfterMs: null,
      lastError: null,
    })),
    setTrigger: assign((_, params: { trigger: RefreshTrigger }) => ({
      refreshTrigger: params.trigger,
    })),
    countRejection: assign(({ context }) => ({
      rejectedAfterRefresh: context.rejectedAfterRefresh + 1,
    })),
    resetRejections: assign({ rejectedAfterRefresh: 0 }),
    markExpired: assign((_, params: { reason: ReloginReason }) => ({
      reloginReason: params.reason,
      refreshTrigger: null,
    })),
    recordFailure: assign((_, params: { error: unknown }) => {
      const { kind, code, message } = toSessionFailure(params.error);
      return { lastError: { kind, code, message } };
    }),
    recordRefreshFailure: assign(({ context }, params: { error: unknown }) => {
      const { kind, code, message, retryAfterMs } = toSessionFailure(params.error);
      return {
        lastError: { kind, code, message },
        failedRefreshes: context.failedRefreshes + 1,
        retryAfterMs: retryAfterMs ?? null,
      };
    }),
    clearSession: assign(signedOutContext),
    emitReloginRequired: emit(({ context }) => ({
      type: 'reloginRequired' as const,
      userId: context.userId ?? '',
      reason: context.reloginReason ?? 'refreshRejected',
    })),
    emitSessionChanged: emit(({ context }, params: { session: SessionState }) => ({
      type: 'sessionChanged' as const,
      session: params.session,
      userId: context.userId,
    })),
    emitRefreshed: emit(({ context }) => ({
      type: 'refreshed' as const,
      accessExpiresAt: context.accessExpiresAt ?? 0,
    })),
    resumeReplication: sendTo('replication', { type: 'replication.resume' } satisfies ReplicationCommand),
    pauseReplication: sendTo('replication', { type: 'replication.pause' } satisfies ReplicationCommand),
    reconnectReplication: sendTo('replication', { type: 'replication.reconnect' } satisfies ReplicationCommand),
    wakeReplication: sendTo('replication', { type: 'replication.wake' } satisfies ReplicationCommand),
    emitLoggedIn: emit(({ context }) => ({ type: 'loggedIn' as const, userId: context.userId ?? '' })),
    emitLoginFailed: emit(({ context }, params: { error: unknown }) => ({
      type: 'loginFailed' as const,
      userId: context.userId,
      error: toSessionFailure(params.error),
    })),
    emitLoggedOut: emit(({ context }, params: { pendingWrites: LeftPendingWrites | undefined }) => ({
      type: 'loggedOut' as const,
      userId: context.userId,
      pendingWrites: params.pendingWrites,
    })),
  },
}).createMachine({
  id: 'session',
  description: 'The user session: tokens are refreshed before they expire and after a 401; sync pauses when the refresh token is gone.',
  context: ({ input }) => ({
    ...signedOutContext,
    refreshMarginMs: input.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS,
    maxRejectsAfterRefresh: input.maxRejectsAfterRefresh ?? DEFAULT_MAX_REJECTS_AFTER_REFRESH,
    lastError: null,
  }),
  initial: 'restoring',
  states: {
    restoring: {
      description: 'Reading the persisted session.',
      tags: ['busy', 'awaitsToken'],
      entry: { type: 'emitSessionChanged', params: { session: 'restoring' } },
      invoke: {
        id: 'restoreSession',
        src: 'restoreSession',
        onDone: [
          {
            guard: { type: 'isPresent', params: ({ event }) => ({ value: event.output }) },
            target: 'signedIn',
            actions: {
              type: 'applySession',
              params: ({ event }) => event.output as RestoredSession,
            },
          },
          { target: 'loggedOut' },
        ],
        onError: {
          target: 'loggedOut',
          actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
        },
      },
      on: { 'session.logout': { target: 'loggingOut', actions: { type: 'emitSessionChanged', params: { session: 'loggingOut' } } } },
    },
    loggedOut: {
      description: 'No user. Local data of earlier users stays on disk.',
      entry: { type: 'emitSessionChanged', params: { session: 'loggedOut' } },
      on: { 'session.login': 'loggingIn' },
    },
    loggingIn: {
      description: 'The sealed credentials of the login event go to the login actor.',
      tags: ['busy', 'awaitsToken'],
      entry: { type: 'emitSessionChanged', params: { session: 'loggingIn' } },
      invoke: {
        id: 'login',
        src: 'login',
        input: ({ event }) => ({ credentials: event.type === 'session.login' ? event.credentials : undefined }),
        onDone: {
          target: 'signedIn',
          actions: [{ type: 'applySession', params: ({ event }) => event.output }, 'emitLoggedIn'],
        },
        onError: {
          target: 'loggedOut',
          actions: [
            { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
            { type: 'emitLoginFailed', params: ({ event }) => ({ error: event.error }) },
          ],
        },
      },
      on: { 'session.logout': { target: 'loggingOut', actions: { type: 'emitSessionChanged', params: { session: 'loggingOut' } } } },
    },
    signedIn: {
      description: 'A user is signed in. Owns the replication of that user\'s database, so refreshes never tear it down.',
      tags: ['signedIn'],
      initial: 'checking',
      invoke: {
        id: 'replication',
        src: 'replication',
        input: ({ context }) => ({ userId: context.userId ?? '' }),
        // Opening the database fails inside the actor and is reported there; a throw at start is recorded.
        onError: { actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) } },
      },
      on: {
        'session.logout': '.closingSync',
        'session.accessAccepted': {
          guard: 'isCurrentGeneration',
          actions: 'resetRejections',
        },
      },
      states: {
        checking: {
          description: 'Transient: routes a restored or fresh session by its expiry instants.',
          always: [
            {
              guard: 'refreshTokenExpired',
              target: 'refreshExpired',
              actions: [{ type: 'markExpired', params: { reason: 'refreshExpired' } }, 'emitReloginRequired'],
            },
            {
              guard: 'accessDue',
              target: 'refreshing',
              actions: { type: 'setTrigger', params: { trigger: 'restore' } },
            },
            { target: 'active' },
          ],
        },
        active: {
          description: 'Token valid; a proactive refresh is scheduled at expiry minus the clamped margin.',
          tags: ['servesToken', 'refreshScheduled', 'acceptsRefresh'],
          entry: [{ type: 'emitSessionChanged', params: { session: 'active' } }, 'resumeReplication'],
          after: {
            refreshDue: {
              target: 'refreshing',
              actions: { type: 'setTrigger', params: { trigger: 'proactive' } },
            },
          },
          on: {
            'session.accessRejected': [
              // A request that used an older token just retries with the new one.
              { guard: 'isStaleGeneration' },
              {
                guard: 'rejectLimitReached',
                target: 'refreshExpired',
                actions: [
                  { type: 'markExpired', params: { reason: 'accessRejectedAfterRefresh' } },
                  'emitReloginRequired',
                ],
              },
              {
                target: 'refreshing',
                actions: ['countRejection', { type: 'setTrigger', params: { trigger: 'reactive' } }],
              },
            ],
            'session.wake': [
              {
                guard: 'accessDue',
                target: 'refreshing',
                actions: [{ type: 'setTrigger', params: { trigger: 'wake' } }, 'wakeReplication'],
              },
              { target: 'active', reenter: true, actions: 'wakeReplication' },
            ],
            'session.refreshRequested': {
              target: 'refreshing',
              actions: { type: 'setTrigger', params: ({ event }) => ({ trigger: event.trigger ?? 'forced' }) },
            },
            'session.login': 'reloggingIn',
          },
        },
        refreshing: {
          description: 'One refresh at a time, by construction. Proactive: the old token keeps serving.',
          tags: ['servesToken', 'refreshing'],
          // Keeps syncing: requests are served the still-valid token, or wait for the new one (reactive).
          entry: [{ type: 'emitSessionChanged', params: { session: 'refreshing' } }, 'resumeReplication'],
          initial: 'requesting',
          on: { 'session.login': 'reloggingIn' },
          states: {
            requesting: {
              description: 'The refresh request is in flight, told why it started; a known-expired refresh token is not sent.',
              tags: ['awaitsToken'],
              always: {
                guard: 'refreshTokenExpired',
                target: '#session.signedIn.refreshExpired',
                actions: [{ type: 'markExpired', params: { reason: 'refreshExpired' } }, 'emitReloginRequired'],
              },
              invoke: {
                id: 'refresh',
                src: 'refresh',
                input: ({ context }) => ({ trigger: context.refreshTrigger }),
                onDone: {
                  target: '#session.signedIn.active',
                  actions: [{ type: 'applyRefresh', params: ({ event }) => event.output }, 'emitRefreshed', 'reconnectReplication'],
                },
                onError: [
                  {
                    guard: { type: 'isRefreshRejected', params: ({ event }) => ({ error: event.error }) },
                    target: '#session.signedIn.refreshExpired',
                    actions: [
                      { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
                      { type: 'markExpired', params: { reason: 'refreshRejected' } },
                      'emitReloginRequired',
                    ],
                  },
                  {
                    target: 'backoff',
                    actions: { type: 'recordRefreshFailure', params: ({ event }) => ({ error: event.error }) },
                  },
                ],
              },
              on: {
                'session.accessRejected': {
                  guard: 'isCurrentGeneration',
                  actions: { type: 'setTrigger', params: { trigger: 'reactive' } },
                },
              },
            },
            backoff: {
              description: 'Offline is not expired: wait with jittered backoff (or Retry-After), still signed in.',
              tags: ['acceptsRefresh'],
              after: { retryDelay: 'requesting' },
              on: {
                'session.wake': { guard: 'canRetryEarly', target: 'requesting', actions: 'wakeReplication' },
                'session.refreshRequested': {
                  target: 'requesting',
                  actions: { type: 'setTrigger', params: ({ event }) => ({ trigger: event.trigger ?? 'forced' }) },
                },
                'session.accessRejected': {
                  guard: 'isCurrentGeneration',
                  target: 'requesting',
                  actions: { type: 'setTrigger', params: { trigger: 'reactive' } },
                },
              },
            },
          },
        },
        refreshExpired: {
          description: 'The refresh token is expired or revoked: sync paused (never cancelled) until the user logs in again.',
          tags: ['reloginRequired'],
          entry: [{ type: 'emitSessionChanged', params: { session: 'refreshExpired' } }, 'pauseReplication'],
          on: {
            'session.login': 'reloggingIn',
            // Another tab's relogin of this user counts as this tab's: sync resumes with its session.
            'session.adopted': {
              guard: { type: 'isSameUser', params: ({ event }) => ({ userId: event.session.userId }) },
              target: 'active',
              actions: [{ type: 'applySession', params: ({ event }) => event.session }, 'emitLoggedIn'],
            },
          },
        },
        reloggingIn: {
          description: 'Login while signed in: the same user keeps the replication, another user re-enters signedIn.',
          tags: ['busy', 'awaitsToken'],
          entry: { type: 'emitSessionChanged', params: { session: 'loggingIn' } },
          invoke: {
            id: 'login',
            src: 'login',
            input: ({ event }) => ({ credentials: event.type === 'session.login' ? event.credentials : undefined }),
            onDone: [
              {
                guard: { type: 'isSameUser', params: ({ event }) => ({ userId: event.output.userId }) },
                target: 'active',
                actions: [{ type: 'applySession', params: ({ event }) => event.output }, 'emitLoggedIn'],
              },
              {
                target: '#session.signedIn',
                reenter: true,
                actions: [{ type: 'applySession', params: ({ event }) => event.output }, 'emitLoggedIn'],
              },
            ],
            onError: [
              {
                guard: 'hasReloginReason',
                target: 'refreshExpired',
                actions: [
                  { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
                  { type: 'emitLoginFailed', params: ({ event }) => ({ error: event.error }) },
                ],
              },
              {
                target: 'active',
                actions: [
                  { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
                  { type: 'emitLoginFailed', params: ({ event }) => ({ error: event.error }) },
                ],
              },
            ],
          },
        },
        closingSync: {
          description: 'Logout, first stage: push the outbox within the bound while the token still serves, then close (or wipe) the database.',
          tags: ['busy', 'servesToken'],
          entry: { type: 'emitSessionChanged', params: { session: 'loggingOut' } },
          invoke: {
            id: 'closeSync',
            src: 'closeSync',
            input: ({ event }) => logoutInputOf(event),
            onDone: { target: '#session.loggingOut' },
            // Never blocks a logout: the session is cleared all the same.
            onError: { target: '#session.loggingOut' },
          },
          on: { 'session.logout': {} },
        },
      },
    },
    loggingOut: {
      description: 'Logout, last stage: clear the vault and the stored session, revoke the refresh token (best effort); never fails.',
      tags: ['busy', 'servesToken'],
      invoke: {
        id: 'logout',
        src: 'logout',
        // Straight from restoring or loggingIn: the logout event; after closingSync: what it reported.
        input: ({ event }) => ('output' in event ? (event.output as LogoutInput) : logoutInputOf(event)),
        onDone: {
          target: 'loggedOut',
          actions: [{ type: 'emitLoggedOut', params: ({ event }) => ({ pendingWrites: event.output?.pendingWrites }) }, 'clearSession'],
        },
        onError: {
          target: 'loggedOut',
          actions: [{ type: 'emitLoggedOut', params: { pendingWrites: undefined } }, 'clearSession'],
        },
      },
    },
  },
});

function logoutInputOf(event: SessionEvent | { type: string }): LogoutInput {
  return 'type' in event && event.type === 'session.logout'
    ? { wipe: (event as { wipe?: boolean }).wipe ?? false, flushTimeoutMs: (event as { flushTimeoutMs?: number }).flushTimeoutMs }
    : { wipe: false, flushTimeoutMs: undefined };
}
