import type { ClassifiedFailure } from '../errors/classify-failure.ts';

/**
 * How failed sync requests are retried.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { baseMs: 1_000, maxMs: 60_000 };
 * ```
 */
export interface RetryPolicy {
  /** First delay; doubles per consecutive failure. Default 500 ms. */
  baseMs?: number;
  /** Upper bound of a delay. Default 30 s. */
  maxMs?: number;
  /** Random source in [0, 1) for jitter; inject a fixed one in tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based) after `failure`: exponential with "equal jitter"
 * (half fixed, half random, so a fleet of clients does not retry in lockstep), at least the
 * server's `Retry-After`. The first replay after a rejected token is immediate: the token source
 * has started the refresh and `get()` waits for it.
 *
 * @example
 * ```ts
 * retryDelay(3, { kind: 'transient', code: 'NETWORK', message: '' }, { random: () => 0.5 }); // 3000
 * ```
 */
export function retryDelay(attempt: number, failure: ClassifiedFailure, policy: RetryPolicy = {}): number {
  if (failure.kind === 'accessRejected' && attempt === 0) return 0;
  const base = policy.baseMs ?? 500;
  const max = policy.maxMs ?? 30_000;
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  const delay = ceiling / 2 + (ceiling / 2) * random();
  return Math.max(delay, failure.retryAfterMs ?? 0);
}

/**
 * A sleep that can be cut short: `wake()` resolves every pending `sleep` at once (used on resume,
 * on a wake signal, and on pause so that waiting handlers can return).
 *
 * @example
 * ```ts
 * const sleeper = new Sleeper();
 * setTimeout(() => sleeper.wake(), 10);
 * await sleeper.sleep(60_000); // returns after ~10 ms
 * ```
 */
export class Sleeper {
  #wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.#wakers]) done();
  }
}
