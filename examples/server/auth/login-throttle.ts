import type { ServerClock } from '../clock.ts';
import { assertWithinLimits, SlidingWindow } from './sliding-window.ts';

/**
 * Limits on failed logins. The defaults stop a password guesser long before it gets anywhere (10
 * guesses per account per 15 minutes is under 1,000 a day) while a person mistyping a password a few
 * times never meets them.
 */
export interface LoginThrottleOptions {
  /** Failed logins one account (by normalised email) may have within `accountWindowSec`; default 10. */
  accountFailures?: number;
  /** Default 900 (15 minutes). Once locked, the account takes new attempts when its oldest failure leaves the window. */
  accountWindowSec?: number;
  /** Failed logins one client address may have within `addressWindowSec`, over all accounts; default 30. */
  addressFailures?: number;
  /** Default 60. */
  addressWindowSec?: number;
}

/** One admitted login: counted as a failure unless it is told otherwise. */
export interface LoginAttempt {
  /** The password was right: the account's failures are forgotten and this attempt is not counted. */
  succeeded(): void;
  /** The attempt ended for a reason that is not the caller's (a database error): not counted. */
  abandoned(): void;
}

/**
 * Throttles `POST .../local-userpass/login` per account and per client address, before any password
 * hashing, so a refused attempt costs no CPU. Only failures count: honest clients logging in over and
 * over from one address (a login loop, an office behind one NAT) are never slowed, and logging in
 * successfully needs the password the account limit protects. An attempt counts as a failure from
 * the moment it is admitted until it succeeds, so a burst of concurrent guesses is bounded too.
 * Unknown accounts are locked exactly like real ones: the lock says nothing about who exists.
 *
 * State is in memory, per server process, on the server clock (`server.shiftClock` ages it out).
 * Several processes behind one balancer each keep their own counts, which multiplies the budget by
 * their number; the per-account limit is what holds against an attacker rotating addresses.
 *
 * @example
 * const throttle = new LoginThrottle(clock, { accountFailures: 5 });
 * const attempt = throttle.admit('ada@example.com', req.socket.remoteAddress); // or throws 429
 * const grant = await auth.login('ada@example.com', password);                  // throws on a wrong password
 * attempt.succeeded();
 */
export class LoginThrottle {
  #byAccount: SlidingWindow;
  #byAddress: SlidingWindow;

  constructor(clock: ServerClock, options: LoginThrottleOptions = {}) {
    this.#byAccount = new SlidingWindow(clock, options.accountFailures ?? 10, (options.accountWindowSec ?? 900) * 1000);
    this.#byAddress = new SlidingWindow(clock, options.addressFailures ?? 30, (options.addressWindowSec ?? 60) * 1000);
  }

  /** Admits a login for `account` from `address`, or throws a 429 `TooManyRequests` with `Retry-After`. */
  admit(account: string, address: string): LoginAttempt {
    assertWithinLimits([
      { window: this.#byAccount, key: account, why: 'too many failed logins for this account' },
      { window: this.#byAddress, key: address, why: 'too many failed logins from this address' },
    ]);
    const accountStamp = this.#byAccount.add(account);
    const addressStamp = this.#byAddress.add(address);
    return {
      succeeded: () => {
        this.#byAccount.clear(account);
        this.#byAddress.withdraw(address, addressStamp);
      },
      abandoned: () => {
        this.#byAccount.withdraw(account, accountStamp);
        this.#byAddress.withdraw(address, addressStamp);
      },
    };
  }
}
