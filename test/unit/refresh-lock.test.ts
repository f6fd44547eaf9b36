import { describe, expect, it, vi } from 'vitest';
import { defaultRefreshLock, inProcessRefreshLock, webRefreshLock, type LockManagerLike } from '../../src/session/refresh-lock.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('the refresh lock', () => {
  it('runs holders of one name one at a time, in arrival order', async () => {
    const lock = inProcessRefreshLock();
    const log: string[] = [];
    const gate = deferred();
    const first = lock.run('s', async () => {
      log.push('first in');
      await gate.promise;
      log.push('first out');
      return 1;
    });
    const second = lock.run('s', async () => {
      log.push('second in');
      return 2;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['first in']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first in', 'first out', 'second in']);
  });

  it('lets other names run meanwhile, and a failing holder releases it', async () => {
    const lock = inProcessRefreshLock();
    const gate = deferred();
    const held = lock.run('a', () => gate.promise);
    expect(await lock.run('b', async () => 'b ran')).toBe('b ran');
    gate.resolve();
    await held;
    await expect(lock.run('a', async () => Promise.reject(new Error('refresh failed')))).rejects.toThrow('refresh failed');
    expect(await lock.run('a', async () => 'next')).toBe('next');
  });

  it('over Web Locks, asks the lock manager for the name and returns what the holder returns', async () => {
    const requested: string[] = [];
    const manager: LockManagerLike = {
      request: async (name, callback) => {
        requested.push(name);
        return callback();
      },
    };
    expect(await webRefreshLock(manager).run('session-sync.refresh:app', async () => 42)).toBe(42);
    expect(requested).toEqual(['session-sync.refresh:app']);
  });

  // Node 20 and 22 have no Web Locks, Node 24 has them (navigator.locks): both cases are set up here.
  it('defaults to a lock of this process where there are no Web Locks (Node 20, 22)', async () => {
    vi.stubGlobal('navigator', {});
    try {
      const lock = defaultRefreshLock();
      expect(await lock.run('x', async () => 'ran')).toBe('ran');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('defaults to Web Locks where the platform has them (browsers, Node 24)', async () => {
    const requested: string[] = [];
    const locks: LockManagerLike = {
      request: async (name, callback) => {
        requested.push(name);
        return callback();
      },
    };
    vi.stubGlobal('navigator', { locks });
    try {
      expect(await defaultRefreshLock().run('x', async () => 'ran')).toBe('ran');
      expect(requested).toEqual(['x']);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
