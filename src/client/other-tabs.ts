import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { openSessionBroadcast, type SessionBroadcast } from '../session/session-broadcast.ts';
import type { SessionInfo } from '../../machines/session-events.ts';
import type { SessionStore, StoredSession } from '../session/session-store.ts';
import type { SessionSnapshot } from './session-status.ts';
import { decideStoredSession } from './shared-session.ts';
import type { TokenVault } from './token-vault.ts';

/**
 * What {@link followOtherTabs} reads and drives.
 *
 * @example
 * ```ts
 * const deps: OtherTabsDeps = { store, vault, snapshot, clock, logger, refreshMarginMs, adopt, adoptLogin, logout };
 * ```
 */
export interface OtherTabsDeps {
  store: SessionStore;
  vault: TokenVault;
  snapshot(): SessionSnapshot;
  clock: Clock;
  logger: Logger;
  refreshMarginMs: number;
  /** Runs the refresh path in adopt-only mode (it re-checks the store inside the refresh lock). */
  adopt(): void;
  /** Tells the machine, waiting for a relogin, that another tab logged this user in (the vault holds it now). */
  adoptLogin(session: SessionInfo): void;
  /** Logs this tab out (another tab cleared the store). */
  logout(): void;
}

/**
 * The channel to the other tabs, plus a re-read on demand (a tab waking from a freeze may have
 * missed their messages).
 *
 * @example
 * ```ts
 * tabs?.recheck();
 * ```
 */
export interface OtherTabs extends SessionBroadcast {
  recheck(): void;
}

/**
 * Follows what other tabs write to the shared session store: a newer token is adopted at once (no
 * waiting for this tab's own timer, no request), a session another tab found dead is given up
 * without presenting its refresh token, a relogin of the same user in another tab ends this tab's
 * wait for one, a cleared store logs this tab out. Only stores with a
 * `name` are shared; without one (or without `BroadcastChannel`) this returns null.
 *
 * @example
 * ```ts
 * const tabs = followOtherTabs(deps);
 * writer = new SessionWriter(store, logger, () => tabs?.notify());
 * ```
 */
export function followOtherTabs(deps: OtherTabsDeps): OtherTabs | null {
  const name = deps.store.name;
  if (name === undefined) return null;
  const recheckQuietly = (): void => {
    recheck(deps).catch((error: unknown) =>
      deps.logger.warn('could not re-read the session another tab wrote', { error: error instanceof Error ? error.name : typeof error }),
    );
  };
  const broadcast = openSessionBroadcast(name, recheckQuietly);
  return broadcast && { ...broadcast, recheck: recheckQuietly };
}

async function recheck(deps: OtherTabsDeps): Promise<void> {
  if (!deps.snapshot().matches('signedIn')) return;
  const stored = await deps.store.load();
  const snapshot = deps.snapshot();
  if (!snapshot.matches('signedIn')) return;
  if (stored === null) {
    deps.logger.info('another tab logged out', { userId: snapshot.context.userId });
    deps.logout();
    return;
  }
  const decision = decideStoredSession({ stored, current: deps.vault.toStored(), now: deps.clock.now(), marginMs: deps.refreshMarginMs });
  if (snapshot.matches({ signedIn: 'refreshExpired' })) {
    if (decision.action === 'adopt') adoptLogin(deps, decision.stored);
    return;
  }
  if (decision.action === 'refresh') return;
  // A refresh in flight re-reads the store inside the lock anyway.
  if (snapshot.matches({ signedIn: 'active' }) || snapshot.matches({ signedIn: { refreshing: 'backoff' } })) deps.adopt();
}

function adoptLogin(deps: OtherTabsDeps, stored: StoredSession): void {
  deps.logger.info('another tab logged in again; resuming', { userId: stored.userId });
  deps.adoptLogin(deps.vault.restore(stored));
}
