/**
 * A source of wall-clock time, injected everywhere time matters so tests can move it.
 *
 * @example
 * ```ts
 * const clock: Clock = { now: () => 1_700_000_000_000 };
 * clock.now(); // 1700000000000
 * ```
 */
export interface Clock {
  /** Current time as epoch milliseconds. */
  now(): number;
}

/**
 * The real clock (`Date.now`).
 *
 * @example
 * ```ts
 * const startedAt = systemClock.now();
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };
