import { openSessionBroadcast, type SessionBroadcast } from '../session/session-broadcast.ts';
import { decideStoredSession } from './refresh.ts';
import type { SessionRuntime } from './session-runtime.ts';

/**
 * The channel to the other tabs, plus a re-read on demand (a tab waking from a freeze may have
 * missed their messages).
 */
export interface OtherTabs extends SessionBroadcast {
  recheck(): void;
}

/**
 * Follows what other tabs write to the shared session store: a newer token is adopted at once (a
 * refresh with trigger `otherTab`, which sends no request), a session another tab found dead is
 * given up without presenting its refresh token, a relogin of the same user in another tab ends
 * this tab's wait for one (`session.adopted`), a cleared store logs this tab out. Only stores with
 * a `name` are shared; without one (or without `BroadcastChannel`) this returns null.
 */
export function followOtherTabs(session: OtherTabsSession): OtherTabs | null {
  const name = session.options.sessionStore.name;
  if (name === undefined) return null;
  const recheckQuietly = (): void => {
    recheck(session).catch((error: unknown) =>
      session.options.logger.warn('could not re-read the session another tab wrote', { error: error instanceof Error ? error.name : typeof error }),
    );
  };
  const broadcast = openSessionBroadcast(name, recheckQuietly);
  return broadcast && { ...broadcast, recheck: recheckQuietly };
}

type OtherTabsSession = Pick<SessionRuntime, 'options' | 'vault' | 'actor' | 'send'>;

async function recheck(session: OtherTabsSession): Promise<void> {
  const { options, vault, actor } = session;
  const { logger } = options;
  if (!actor.getSnapshot().hasTag('signedIn')) return;
  const stored = await options.sessionStore.load();
  const snapshot = actor.getSnapshot();
  if (!snapshot.hasTag('signedIn')) return;
  if (stored === null) {
    logger.info('another tab logged out', { userId: snapshot.context.userId });
    session.send({ type: 'session.logout' });
    return;
  }
  const decision = decideStoredSession({ stored, current: vault.toStored(), now: options.clock.now(), marginMs: options.refreshMarginMs });
  if (snapshot.hasTag('reloginRequired')) {
    if (decision.action !== 'adopt') return;
    logger.info('another tab logged in again; resuming', { userId: decision.stored.userId });
    session.send({ type: 'session.adopted', session: vault.restore(decision.stored) });
    return;
  }
  if (decision.action === 'refresh') return;
  // A refresh in flight re-reads the store inside the lock anyway.
  if (snapshot.hasTag('acceptsRefresh')) session.send({ type: 'session.refreshRequested', trigger: 'otherTab' });
}
