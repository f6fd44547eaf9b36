import type { SessionEvent } from '../../machines/session-events.ts';
import { watchWakeSignals } from '../platform/wake-signals.ts';
import { followOtherTabs } from './other-tabs.ts';
import type { SessionSnapshot } from './session-status.ts';
import type { ResolvedSyncClientOptions } from './sync-client-options.ts';
import type { TokenVault } from './token-vault.ts';

/**
 * What {@link watchOutsideSignals} reads and drives.
 *
 * @example
 * ```ts
 * const deps: OutsideSignalsDeps = { options, vault, snapshot, send, adopt, logout };
 * ```
 */
export interface OutsideSignalsDeps {
  options: Pick<ResolvedSyncClientOptions, 'sessionStore' | 'clock' | 'logger' | 'refreshMarginMs' | 'wakeSignals'>;
  vault: TokenVault;
  snapshot(): SessionSnapshot;
  /** Sends an event to the running session actor. */
  send(event: SessionEvent): void;
  /** Runs the refresh path in adopt-only mode (another tab wrote a newer or dead session). */
  adopt(): void;
  /** Logs this tab out (another tab cleared the store). */
  logout(): void;
}

/**
 * The running watchers: tell the other tabs about this tab's store writes, and stop watching.
 *
 * @example
 * ```ts
 * signals.notifyOtherTabs();
 * signals.close();
 * ```
 */
export interface OutsideSignals {
  notifyOtherTabs(): void;
  close(): void;
}

/**
 * Watches what happens outside this tab's session actor and tells it: other tabs writing the
 * shared session store (see `followOtherTabs`) and wake signals (visibility, online, focus, clock
 * jumps; when `options.wakeSignals` is on). Call it once the actor has started.
 *
 * @example
 * ```ts
 * actor.start();
 * const signals = watchOutsideSignals({ options, vault, snapshot, send, adopt, logout });
 * ```
 */
export function watchOutsideSignals({ options, vault, snapshot, send, adopt, logout }: OutsideSignalsDeps): OutsideSignals {
  const { clock } = options;
  const tabs = followOtherTabs({
    store: options.sessionStore,
    vault,
    snapshot,
    clock,
    logger: options.logger,
    refreshMarginMs: options.refreshMarginMs,
    adopt,
    adoptLogin: (session) => send({ type: 'session.adopted', session }),
    logout,
  });
  const wake = options.wakeSignals;
  const stopWake = wake
    ? watchWakeSignals({
        ...wake,
        clock,
        onWake: (reason) => {
          // A frozen tab may have missed another tab's relogin while it waited for one.
          if (snapshot().matches({ signedIn: 'refreshExpired' })) tabs?.recheck();
          send({ type: 'session.wake', reason });
        },
      })
    : null;
  return {
    notifyOtherTabs: () => tabs?.notify(),
    close: () => {
      stopWake?.();
      tabs?.close();
    },
  };
}
