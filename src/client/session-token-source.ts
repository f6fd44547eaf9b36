import type { SessionEvent } from '../../machines/session-events.ts';
import { SessionError } from '../errors/session-error.ts';
import type { TokenSource } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { SessionSnapshot } from './session-status.ts';
import type { SnapshotWaiter } from './snapshot-waiter.ts';
import { decideToken } from './token-decision.ts';
import type { TokenVault } from './token-vault.ts';

/**
 * What {@link SessionTokenSource} reads and tells.
 *
 * @example
 * ```ts
 * const deps: SessionTokenSourceDeps = { snapshot: () => actor.getSnapshot(), vault, waiter, clock, started, send };
 * ```
 */
export interface SessionTokenSourceDeps {
  snapshot(): SessionSnapshot;
  vault: TokenVault;
  waiter: SnapshotWaiter;
  clock: Clock;
  /** Resolves once the client has started (restored its session). */
  started(): Promise<unknown>;
  /** Sends to the session actor (dropped when closed or not started). */
  send(event: SessionEvent): void;
  closedError(): Error;
}

/**
 * The one place requests get their token (`client.graphql` and sync alike): serves, waits out a
 * login or reactive refresh, wakes a session that slept past expiry, or fails with a typed error.
 * Rejections and first acceptances per token generation go to the session machine.
 *
 * @example
 * ```ts
 * const tokens = new SessionTokenSource(deps);
 * const graphql = createAuthenticatedGraphQL({ url, tokens });
 * ```
 */
export class SessionTokenSource implements TokenSource {
  readonly #deps: SessionTokenSourceDeps;
  #lastAccepted = -1;

  constructor(deps: SessionTokenSourceDeps) {
    this.#deps = deps;
  }

  async get(): Promise<{ token: string; generation: number }> {
    const { vault, waiter, clock } = this.#deps;
    await this.#deps.started();
    let woke = false;
    for (;;) {
      if (waiter.closed) throw this.#deps.closedError();
      const decision = decideToken(this.#deps.snapshot(), clock.now());
      if (decision.action === 'fail') throw decision.error;
      if (decision.action === 'serve') {
        const token = vault.accessToken;
        if (token === null) throw new SessionError('NOT_LOGGED_IN', 'no user is logged in', { kind: 'refreshRejected' });
        return { token, generation: vault.generation };
      }
      if (decision.action === 'wake' && !woke) {
        // Expired while active: the timer never fired (sleep). Never hand out the stale token.
        woke = true;
        this.#deps.send({ type: 'session.wake', reason: 'clockJump' });
        continue;
      }
      await waiter.next();
    }
  }

  rejected(generation: number): void {
    this.#deps.send({ type: 'session.accessRejected', generation });
  }

  accepted(generation: number): void {
    if (generation === this.#lastAccepted) return;
    this.#lastAccepted = generation;
    this.#deps.send({ type: 'session.accessAccepted', generation });
  }
}
