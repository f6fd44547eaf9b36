/**
 * Runs one refresh at a time per lock name, so tabs sharing a session store refresh once per expiry
 * (the holder re-reads the store inside the lock and adopts what another tab stored meanwhile).
 *
 * @example
 * ```ts
 * const lock: RefreshLock = { run: (name, fn) => navigator.locks.request(name, fn) };
 * ```
 */
export interface RefreshLock {
  run<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * The part of the Web Locks API the lock needs (`navigator.locks`).
 *
 * @example
 * ```ts
 * const locks: LockManagerLike = navigator.locks;
 * ```
 */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * A lock shared by every tab of the origin, over the Web Locks API.
 *
 * @example
 * ```ts
 * createSyncClient({ auth, refreshLock: webRefreshLock(navigator.locks) });
 * ```
 */
export function webRefreshLock(locks: LockManagerLike): RefreshLock {
  return { run: (name, fn) => locks.request(name, () => fn()) };
}

/**
 * A lock within this JavaScript realm only: clients given the same instance take turns per name.
 *
 * @example
 * ```ts
 * const lock = inProcessRefreshLock();
 * await lock.run('session', async () => refresh());
 * ```
 */
export function inProcessRefreshLock(): RefreshLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(name) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(name, tail);
      // Forget idle names, so a long-lived client does not keep one entry per name forever.
      void tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name);
      });
      return result;
    },
  };
}

/**
 * Web Locks when the platform has them (browsers), else a lock of this client alone.
 *
 * @example
 * ```ts
 * const lock = defaultRefreshLock();
 * ```
 */
export function defaultRefreshLock(): RefreshLock {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks && typeof locks.request === 'function' ? webRefreshLock(locks) : inProcessRefreshLock();
}
