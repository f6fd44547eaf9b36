import type { Actor } from 'xstate';
import type { sessionMachine } from '../../machines/session.machine.ts';
import type { Credentials } from '../auth/auth-adapter.ts';
import { SessionError } from '../errors/session-error.ts';
import type { Clock } from '../platform/clock.ts';
import type { LoginAttempt } from './session-actors.ts';
import type { SessionSnapshot, SyncUser } from './session-status.ts';
import type { SnapshotWaiter } from './snapshot-waiter.ts';
import type { SyncHost } from './sync-host.ts';
import { decideToken } from './token-decision.ts';

/**
 * What a {@link LoginQueue} drives and reads.
 *
 * @example
 * ```ts
 * const deps: LoginQueueDeps = { actor, waiter, host, clock, start, user, isBusy };
 * ```
 */
export interface LoginQueueDeps {
  actor: Actor<typeof sessionMachine>;
  waiter: SnapshotWaiter;
  /** Waited for after login, so that `client.collections` is usable when it resolves; null without sync. */
  host: SyncHost | null;
  clock: Clock;
  /** Starts the client (idempotent). */
  start(): Promise<unknown>;
  /** The signed-in user, or null. */
  user(): SyncUser | null;
  isBusy(snapshot: SessionSnapshot): boolean;
}

/**
 * Runs `client.login()` calls one after another, each once the session is settled, and hands the
 * credentials to the login actor through an attempt it takes (so they never enter machine context).
 *
 * @example
 * ```ts
 * const logins = new LoginQueue(deps);
 * createSessionActors({ ...actorDeps, takeLoginAttempt: () => logins.takeAttempt() }, writer);
 * const user = await logins.login({ username, password });
 * ```
 */
export class LoginQueue {
  readonly #deps: LoginQueueDeps;
  #attempt: LoginAttempt | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(deps: LoginQueueDeps) {
    this.#deps = deps;
  }

  /** Logs in after the logins queued before, whatever their outcome. Rejects with a `SessionError`. */
  login(credentials: Credentials): Promise<SyncUser> {
    const run = (): Promise<SyncUser> => this.#loginOnce(credentials);
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** For the login actor: the pending attempt, at most once. */
  takeAttempt(): LoginAttempt | null {
    const attempt = this.#attempt;
    this.#attempt = null;
    return attempt;
  }

  async #loginOnce(credentials: Credentials): Promise<SyncUser> {
    const { actor, waiter, host, clock, isBusy } = this.#deps;
    await this.#deps.start();
    await waiter.until((s) => !isBusy(s));
    const attempt: LoginAttempt = { credentials, error: null };
    this.#attempt = attempt;
    actor.send({ type: 'session.login' });
    await waiter.until((s) => !s.matches('loggingIn') && !s.matches({ signedIn: 'reloggingIn' }));
    if (this.#attempt === attempt) this.#attempt = null;
    if (attempt.error) throw attempt.error;
    const user = this.#deps.user();
    if (attempt.credentials !== null || !user) throw new SessionError('NOT_LOGGED_IN', 'login was cancelled', { kind: 'rejected' });
    const decision = decideToken(actor.getSnapshot(), clock.now());
    if (decision.action === 'fail') throw decision.error;
    await host?.whenOpen();
    return user;
  }
}
