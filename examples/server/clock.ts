/**
 * The server's clock: system time plus an operator-controlled offset, so tests can expire tokens
 * without sleeping. Everything time-dependent on the server (token iat/exp, verification, updatedAt,
 * websocket expiry timers) reads this clock.
 *
 * @example
 * const clock = new ServerClock();
 * clock.shift(60_000); // the server now lives one minute in the future
 * clock.now();
 */
export class ServerClock {
  #offsetMs = 0;
  #listeners = new Set<() => void>();

  /** Epoch milliseconds as the server sees them. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Moves the clock by `ms` (negative moves it back) and tells listeners to re-check their deadlines. */
  shift(ms: number): void {
    this.#offsetMs += ms;
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after every shift; returns the unsubscribe function. */
  onShift(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
