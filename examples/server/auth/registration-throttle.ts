import type { ServerClock } from '../clock.ts';
import { assertWithinLimits, SlidingWindow } from './sliding-window.ts';

/** Limits on `POST .../local-userpass/register`. */
export interface RegistrationThrottleOptions {
  /** Registration attempts one client address may make within `windowSec`; default 20. */
  perAddress?: number;
  /** Default 3600 (one hour). */
  windowSec?: number;
}

/**
 * Throttles registrations per client address, before the password is hashed. Every admitted attempt
 * counts (a taken name costs a hash too), so one address cannot mint accounts or burn CPU in bulk;
 * 20 an hour is far more than a household or a test run registers.
 *
 * State is in memory, per server process, on the server clock (`server.shiftClock` ages it out).
 *
 * @example
 * const throttle = new RegistrationThrottle(clock, { perAddress: 5 });
 * throttle.admit(req.socket.remoteAddress); // or throws 429 TooManyRequests with Retry-After
 */
export class RegistrationThrottle {
  #byAddress: SlidingWindow;

  constructor(clock: ServerClock, options: RegistrationThrottleOptions = {}) {
    this.#byAddress = new SlidingWindow(clock, options.perAddress ?? 20, (options.windowSec ?? 3600) * 1000);
  }

  /** Counts one registration from `address`, or throws a 429 `TooManyRequests` with `Retry-After`. */
  admit(address: string): void {
    assertWithinLimits([{ window: this.#byAddress, key: address, why: 'too many registrations from this address' }]);
    this.#byAddress.add(address);
  }
}
