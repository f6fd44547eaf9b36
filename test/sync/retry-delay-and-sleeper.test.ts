import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { retryDelay, Sleeper } from '../../src/sync/retry-delay.ts';

const transient: ClassifiedFailure = { kind: 'transient', code: 'NETWORK', message: 'fetch failed' };
const accessRejected: ClassifiedFailure = { kind: 'accessRejected', code: 'ACCESS_REJECTED', message: '401' };

describe('retry delays', () => {
  it('double per failure between half and all of the ceiling, up to the cap', () => {
    const low = { random: () => 0 };
    const high = { random: () => 0.999999 };
    expect(retryDelay(0, transient, low)).toBe(250);
    expect(retryDelay(0, transient, high)).toBeCloseTo(500, 0);
    expect(retryDelay(3, transient, low)).toBe(2000);
    expect(retryDelay(20, transient, high)).toBeCloseTo(30_000, 0);
    expect(retryDelay(20, transient, low)).toBe(15_000);
  });

  it('replay a rejected token at once the first time (the refresh is awaited in get()), then back off', () => {
    expect(retryDelay(0, accessRejected)).toBe(0);
    expect(retryDelay(1, accessRejected, { random: () => 0 })).toBe(500);
  });

  it('never retry sooner than Retry-After', () => {
    const limited: ClassifiedFailure = { kind: 'rateLimited', code: 'RATE_LIMITED', message: '429', retryAfterMs: 20_000 };
    expect(retryDelay(0, limited, { random: () => 0 })).toBe(20_000);
  });
});

describe('Sleeper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleeps for the delay unless woken, and wake() releases every sleeper at once', async () => {
    const sleeper = new Sleeper();
    let done = 0;
    void sleeper.sleep(1000).then(() => done++);
    void sleeper.sleep(60_000).then(() => done++);
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(1);
    sleeper.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
