import type { ServerClock } from '../clock.ts';
import type { LoginAttempt } from './login-throttle.ts';
import { assertWithinLimits, SlidingWindow } from './sliding-window.ts';

/** Limits on the email/password account flows (resend confirmation, send reset, confirm, reset). */
export interface AccountFlowThrottleOptions {
  /** Mails one address may be asked for (`confirm/send`, `reset/send`) within `mailWindowSec`; default 3. */
  mailsPerAccount?: number;
  /** Mail requests one client address may make within `mailWindowSec`, over all accounts; default 20. */
  mailsPerClient?: number;
  /** Default 3600 (one hour). */
  mailWindowSec?: number;
  /** Refused tokens (`confirm`, `reset`) one client address may present within `tokenWindowSec`; default 20. */
  tokenFailuresPerClient?: number;
  /** Default 900 (15 minutes). */
  tokenWindowSec?: number;
}

/**
 * Throttles the account flows, in memory per process, on the server clock.
 *
 * Mail requests count per requested email and per client address whether or not the email has an
 * account, so a 429 says nothing about who exists, and nobody can flood an inbox or the mailer: three
 * mails an hour is plenty for a person whose mail is slow. Token uses count only when the token is
 * refused (a link is clicked once); the tokens are 256-bit random, so this is not what stops guessing
 * but what stops a client hammering the database.
 *
 * @example
 * const throttle = new AccountFlowThrottle(clock);
 * throttle.admitMail('ada@example.com', address);      // or throws 429 TooManyRequests with Retry-After
 * const attempt = throttle.admitToken(address);        // or throws 429
 * await flows.confirm(token, tokenId);                 // throws UserpassTokenInvalid: stays counted
 * attempt.succeeded();
 */
export class AccountFlowThrottle {
  #mailsByAccount: SlidingWindow;
  #mailsByClient: SlidingWindow;
  #tokenFailures: SlidingWindow;

  constructor(clock: ServerClock, options: AccountFlowThrottleOptions = {}) {
    const mailWindowMs = (options.mailWindowSec ?? 3600) * 1000;
    this.#mailsByAccount = new SlidingWindow(clock, options.mailsPerAccount ?? 3, mailWindowMs);
    this.#mailsByClient = new SlidingWindow(clock, options.mailsPerClient ?? 20, mailWindowMs);
    this.#tokenFailures = new SlidingWindow(clock, options.tokenFailuresPerClient ?? 20, (options.tokenWindowSec ?? 900) * 1000);
  }

  /** Counts one mail request for `email` (normalised) from `address`, or throws a 429. */
  admitMail(email: string, address: string): void {
    assertWithinLimits([
      { window: this.#mailsByAccount, key: email, why: 'too many mails asked for this address' },
      { window: this.#mailsByClient, key: address, why: 'too many mails asked from this client' },
    ]);
    this.#mailsByAccount.add(email);
    this.#mailsByClient.add(address);
  }

  /** Admits one token use from `address`, counted as refused until it is told otherwise; or throws a 429. */
  admitToken(address: string): LoginAttempt {
    assertWithinLimits([{ window: this.#tokenFailures, key: address, why: 'too many invalid tokens from this client' }]);
    const stamp = this.#tokenFailures.add(address);
    const withdraw = () => this.#tokenFailures.withdraw(address, stamp);
    return { succeeded: withdraw, abandoned: withdraw };
  }
}
