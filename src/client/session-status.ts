import type { SnapshotFrom } from 'xstate';
import type { ReloginReason, SessionErrorInfo, SessionState } from '../../machines/session-events.ts';
import { sessionStateOf } from '../../machines/session-logic.ts';
import type { sessionMachine } from '../../machines/session.machine.ts';

/**
 * A snapshot of the session machine.
 *
 * @example
 * ```ts
 * const snapshot: SessionSnapshot = client.actor.getSnapshot();
 * ```
 */
export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

/**
 * The session as the app sees it: `client.status` and each value of `client.status$`.
 * Times are local-clock epoch ms. No token, ever.
 *
 * @example
 * ```ts
 * client.status$.subscribe(({ session, lastError }) => render(session, lastError?.message));
 * ```
 */
export interface SessionStatus {
  session: SessionState;
  userId: string | null;
  lastError: SessionErrorInfo | null;
  accessExpiresAt: number | null;
  refreshExpiresAt: number | null;
  reloginReason: ReloginReason | null;
}

/**
 * The signed-in user, without raw tokens: `client.user`.
 *
 * @example
 * ```ts
 * const plan = client.user?.customData['plan'];
 * ```
 */
export interface SyncUser {
  id: string;
  customData: Record<string, unknown>;
  accessTokenExpiresAt: number | null;
  refreshTokenExpiresAt: number | null;
}

/**
 * Derives the public status from a machine snapshot.
 *
 * @example
 * ```ts
 * statusOf(actor.getSnapshot()).session; // 'active'
 * ```
 */
export function statusOf(snapshot: SessionSnapshot): SessionStatus {
  const { context } = snapshot;
  return {
    session: sessionStateOf(snapshot.value),
    userId: context.userId,
    lastError: context.lastError,
    accessExpiresAt: context.accessExpiresAt,
    refreshExpiresAt: context.refreshExpiresAt,
    reloginReason: context.reloginReason,
  };
}

/**
 * True when two statuses show the same thing (so `status$` emits only real changes).
 *
 * @example
 * ```ts
 * sameStatus(statusOf(a), statusOf(a)); // true
 * ```
 */
export function sameStatus(a: SessionStatus, b: SessionStatus): boolean {
  return (
    a.session === b.session &&
    a.userId === b.userId &&
    a.accessExpiresAt === b.accessExpiresAt &&
    a.refreshExpiresAt === b.refreshExpiresAt &&
    a.reloginReason === b.reloginReason &&
    a.lastError?.code === b.lastError?.code &&
    a.lastError?.message === b.lastError?.message
  );
}
