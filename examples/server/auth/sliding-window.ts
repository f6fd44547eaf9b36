import type { ServerClock } from '../clock.ts';
import { tooManyRequests } from './auth-error.ts';

/** Keys tracked at most; past it, idle keys go first, then the oldest, so a flood of names cannot exhaust memory. */
const DEFAULT_MAX_KEYS = 100_000;

/**
 * Counts events per key over the last `windowMs` of the server clock, in memory. An event is a
 * timestamp that counts until it is older than the window (or is withdrawn), so a key at its limit
 * frees up as its oldest event ages out.
 *
 * @example
 * const failures = new SlidingWindow(clock, 10, 15 * 60_000);
 * if (failures.waitMs('ada@example.com') === 0) failures.add('ada@example.com');
 */
export class SlidingWindow {
  #events = new Map<string, number[]>();
  #clock: ServerClock;
  #maxKeys: number;
  readonly limit: number;
  readonly windowMs: number;

  constructor(clock: ServerClock, limit: number, windowMs: number, maxKeys = DEFAULT_MAX_KEYS) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a throttle limit must be a positive integer, got ${limit}`);
    if (!(windowMs > 0)) throw new Error(`a throttle window must be positive, got ${windowMs} ms`);
    this.#clock = clock;
    this.limit = limit;
    this.windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** How long until `key` may have one more event: 0 when it is under its limit now. */
  waitMs(key: string): number {
    const events = this.#live(key);
    if (events.length < this.limit) return 0;
    return Math.min(...events) + this.windowMs - this.#clock.now();
  }

  /** Records an event now; returns its timestamp, for {@link withdraw}. */
  add(key: string): number {
    const stamp = this.#clock.now();
    const events = this.#live(key);
    events.push(stamp);
    if (events.length === 1) {
      this.#events.set(key, events);
      if (this.#events.size > this.#maxKeys) this.#evict();
    }
    return stamp;
  }

  /** Takes back one event recorded by {@link add} (it turned out not to count). */
  withdraw(key: string, stamp: number): void {
    const events = this.#events.get(key);
    const at = events?.indexOf(stamp) ?? -1;
    if (at >= 0) events!.splice(at, 1);
    if (events?.length === 0) this.#events.delete(key);
  }

  /** Forgets every event of `key`. */
  clear(key: string): void {
    this.#events.delete(key);
  }

  /** The key's events still inside the window (the stored array, pruned in place). */
  #live(key: string): number[] {
    const events = this.#events.get(key);
    if (!events) return [];
    const cutoff = this.#clock.now() - this.windowMs;
    const live = events.filter((t) => t > cutoff);
    if (live.length === 0) {
      this.#events.delete(key);
      return [];
    }
    if (live.length === events.length) return events;
    this.#events.set(key, live);
    return live;
  }

  #evict(): void {
    const cutoff = this.#clock.now() - this.windowMs;
    for (const [key, events] of this.#events) if (events.every((t) => t <= cutoff)) this.#events.delete(key);
    // Still full of live keys: drop the oldest tenth (Map order is insertion order) rather than sweep per event.
    let excess = this.#events.size - Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#events.keys()) {
      if (excess-- <= 0) break;
      this.#events.delete(key);
    }
  }
}

/** One limit a request must be within: a window, the key it counts under, and what a 429 says. */
export interface Limit { window: SlidingWindow; key: string; why: string }

/**
 * Throws a 429 `TooManyRequests` with the longest wait among the spent `limits` (the first on a tie),
 * or returns when every one of them still has room. Counting is left to the caller.
 *
 * @example
 * assertWithinLimits([{ window: byAccount, key: email, why: 'too many failed logins for this account' }]);
 */
export function assertWithinLimits(limits: readonly Limit[]): void {
  let longest: { wait: number; why: string } | null = null;
  for (const { window, key, why } of limits) {
    const wait = window.waitMs(key);
    if (wait > 0 && (longest === null || wait > longest.wait)) longest = { wait, why };
  }
  if (longest) throw tooManyRequests(longest.why, longest.wait);
}
