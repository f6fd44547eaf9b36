import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchWakeSignals, type WakeReason } from '../../src/platform/wake-signals.ts';

/** A real EventTarget standing in for `window`/`document`, with a settable visibility. */
class FakeDocument extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
  setVisibility(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

/** A wall clock the test moves by hand, independent of the fake timers. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('watchWakeSignals', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports a tab becoming visible, not one becoming hidden', () => {
    const wakes: WakeReason[] = [];
    const document = new FakeDocument();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), target: { document } });
    document.setVisibility('hidden');
    expect(wakes).toEqual([]);
    document.setVisibility('visible');
    expect(wakes).toEqual(['visibility']);
    stop();
  });

  it('reports online, focus and a page restored from the back/forward cache (not a first load)', () => {
    const wakes: WakeReason[] = [];
    const window = new EventTarget();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), target: { window } });
    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('focus'));
    window.dispatchEvent(new Event('pageshow')); // first load: nothing slept
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    window.dispatchEvent(new Event('offline'));
    expect(wakes).toEqual(['online', 'focus', 'visibility']);
    stop();
  });

  it('reports a wall-clock jump forward (the device slept) once', () => {
    const wakes: WakeReason[] = [];
    const clock = manualClock();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), clock, target: {}, checkIntervalMs: 10_000, jumpThresholdMs: 30_000 });
    // Normal ticks: wall time keeps pace with the timer.
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      vi.advanceTimersByTime(10_000);
    }
    expect(wakes).toEqual([]);
    // The machine slept for an hour: the next tick sees an hour of wall time.
    clock.advance(3_600_000);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toEqual(['clockJump']);
    clock.advance(10_000);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toEqual(['clockJump']);
    stop();
  });

  it('reports the clock being set back', () => {
    const wakes: WakeReason[] = [];
    const clock = manualClock();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), clock, target: {}, checkIntervalMs: 10_000, jumpThresholdMs: 30_000 });
    clock.advance(10_000 - 120_000);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toEqual(['clockJump']);
    stop();
  });

  it('tolerates drift below the threshold (a busy event loop)', () => {
    const wakes: WakeReason[] = [];
    const clock = manualClock();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), clock, target: {}, checkIntervalMs: 10_000, jumpThresholdMs: 30_000 });
    clock.advance(10_000 + 29_000);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toEqual([]);
    stop();
  });

  it('stop() removes every listener and the timer', () => {
    const wakes: WakeReason[] = [];
    const window = new EventTarget();
    const document = new FakeDocument();
    const clock = manualClock();
    const stop = watchWakeSignals({ onWake: (r) => wakes.push(r), clock, target: { window, document } });
    expect(vi.getTimerCount()).toBe(1);
    stop();
    stop();
    expect(vi.getTimerCount()).toBe(0);
    window.dispatchEvent(new Event('online'));
    document.setVisibility('visible');
    clock.advance(10 * 3_600_000);
    vi.advanceTimersByTime(60_000);
    expect(wakes).toEqual([]);
  });

  it('in Node (no window/document) runs only the clock-jump timer, which does not keep the process alive', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const stop = watchWakeSignals({ onWake: () => {} });
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    stop();
    spy.mockRestore();
  });
});
