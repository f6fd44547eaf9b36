import { describe, expect, it } from 'vitest';
import {
  clampDelay,
  computeBackoffDelay,
  computeRefreshDelay,
  effectiveMargin,
  isAccessDue,
  isRefreshExpired,
  MAX_TIMER_DELAY_MS,
  sessionStateOf,
  toSessionFailure,
} from '../../machines/session-logic.ts';

describe('session timing maths', () => {
  it('clamps delays to what setTimeout honours', () => {
    expect(clampDelay(-1)).toBe(0);
    expect(clampDelay(0)).toBe(0);
    expect(clampDelay(Number.NaN)).toBe(0);
    expect(clampDelay(1_500.7)).toBe(1_500);
    expect(clampDelay(2 ** 31)).toBe(MAX_TIMER_DELAY_MS);
    expect(clampDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('clamps the margin to a quarter of the token lifetime', () => {
    expect(effectiveMargin(60_000, 1_800_000)).toBe(60_000);
    expect(effectiveMargin(60_000, 2_000)).toBe(500);
    expect(effectiveMargin(60_000, null)).toBe(60_000);
    expect(effectiveMargin(-5, 2_000)).toBe(0);
  });

  it('schedules the refresh at expiry minus the margin, with a floor against hot loops', () => {
    const t = (accessExpiresAt: number | null, accessLifetimeMs: number | null) => ({
      accessExpiresAt,
      accessLifetimeMs,
      refreshMarginMs: 60_000,
    });
    expect(computeRefreshDelay(t(1_800_000, 1_800_000), 0)).toBe(1_740_000);
    expect(computeRefreshDelay(t(2_000, 2_000), 0)).toBe(1_500);
    expect(computeRefreshDelay(t(1_000, 1_000), 0)).toBe(750);
    // Already past expiry: a short floor, never 0 (the wake/401 paths handle real expiry at once).
    expect(computeRefreshDelay(t(0, 0), 10_000)).toBe(50);
    expect(computeRefreshDelay(t(0, 1_800_000), 10_000)).toBe(1_000);
    expect(computeRefreshDelay(t(2 ** 40, null), 0)).toBe(MAX_TIMER_DELAY_MS);
    expect(computeRefreshDelay(t(null, null), 0)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('knows when the access token is due and when the refresh token has expired', () => {
    const timing = { accessExpiresAt: 100_000, accessLifetimeMs: 100_000, refreshMarginMs: 10_000 };
    expect(isAccessDue(timing, 89_999)).toBe(false);
    expect(isAccessDue(timing, 90_000)).toBe(true);
    expect(isAccessDue({ ...timing, accessExpiresAt: null }, 0)).toBe(true);
    expect(isRefreshExpired(null, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(isRefreshExpired(5, 4)).toBe(false);
    expect(isRefreshExpired(5, 5)).toBe(true);
  });

  it('backs off exponentially with full jitter, capped, never below Retry-After', () => {
    const at = (attempt: number, random: number, retryAfterMs: number | null = null) =>
      computeBackoffDelay({ attempt, retryAfterMs, random: () => random });
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => at(n, 1))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
    expect(at(3, 0.5)).toBe(2_000);
    expect(at(3, 0)).toBe(0);
    expect(at(1, 1, 30_000)).toBe(30_000);
    expect(at(1, 1, 2 ** 40)).toBe(MAX_TIMER_DELAY_MS);
    expect(computeBackoffDelay({ attempt: 2, retryAfterMs: null, random: () => 1, backoff: { baseMs: 10, maxMs: 15 } })).toBe(15);
  });
});

describe('session vocabulary helpers', () => {
  it('maps state values to the user-visible session state', () => {
    expect(sessionStateOf('loggedOut')).toBe('loggedOut');
    expect(sessionStateOf({ signedIn: 'active' })).toBe('active');
    expect(sessionStateOf({ signedIn: { refreshing: 'backoff' } })).toBe('refreshing');
    expect(sessionStateOf({ signedIn: 'refreshExpired' })).toBe('refreshExpired');
    expect(sessionStateOf({ signedIn: 'reloggingIn' })).toBe('loggingIn');
  });

  it('keeps only kind, code, message and retryAfterMs of a failure; unknown shapes get a generic message', () => {
    const secretish = Object.assign(new Error('Bearer abc.def.ghi'), { cause: 'x' });
    expect(toSessionFailure(secretish)).toEqual({ kind: 'protocol', code: 'UNEXPECTED', message: 'unexpected failure' });
    expect(toSessionFailure({ kind: 'rateLimited', code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 5, extra: 1 })).toEqual({
      kind: 'rateLimited',
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryAfterMs: 5,
    });
    expect(toSessionFailure({ kind: 'nonsense', code: 'X' }).code).toBe('UNEXPECTED');
    expect(toSessionFailure(null).code).toBe('UNEXPECTED');
  });
});
