import type { SessionSnapshot } from './session-status.ts';

/**
 * Lets async callers wait for the session actor to reach a state: every snapshot wakes the waiters,
 * which re-check their condition. `close()` wakes them for good (they then see `closed`).
 *
 * @example
 * ```ts
 * const waiter = new SnapshotWaiter(() => actor.getSnapshot());
 * actor.subscribe(() => waiter.notify());
 * await waiter.until((s) => s.matches('loggedOut'));
 * ```
 */
export class SnapshotWaiter {
  readonly #waiters = new Set<() => void>();
  readonly #read: () => SessionSnapshot;
  readonly #closedError: () => Error;
  #closed = false;

  constructor(read: () => SessionSnapshot, closedError: () => Error) {
    this.#read = read;
    this.#closedError = closedError;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Wakes every waiter; call on each new snapshot. */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves at the next snapshot (or on close). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
    });
  }

  /** Resolves once `predicate` holds for the current snapshot; rejects when closed first. */
  async until(predicate: (snapshot: SessionSnapshot) => boolean): Promise<void> {
    for (;;) {
      if (this.#closed) throw this.#closedError();
      if (predicate(this.#read())) return;
      await this.next();
    }
  }

  close(): void {
    this.#closed = true;
    this.notify();
  }
}
