import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { SyncStatusTracker } from '../../src/sync/sync-status.ts';

const protocol: ClassifiedFailure = { kind: 'protocol', code: 'PROTOCOL', message: 'bad shape' };
const transient: ClassifiedFailure = { kind: 'transient', code: 'NETWORK', message: 'fetch failed' };

// `stalled`: the server answers, but nothing has succeeded for stalledAfterMs while running.
describe('sync status', () => {
  const clock = { now: () => Date.now() };
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('turns stalled when failures go on without a success for the configured time', () => {
    const tracker = new SyncStatusTracker({ clock, stalledAfterMs: 10_000 });
    tracker.resumed();
    tracker.failed(protocol);
    vi.advanceTimersByTime(9_999);
    expect(tracker.current.sync).toBe('running');
    vi.advanceTimersByTime(1);
    expect(tracker.current.sync).toBe('stalled');
    expect(tracker.current.lastError).toEqual(protocol);

    tracker.succeeded('pull');
    expect(tracker.current.sync).toBe('running');
    expect(tracker.current.lastPulledAt).toBe(Date.now());
  });

  it('measures from the last success, and a success in time prevents it', () => {
    const tracker = new SyncStatusTracker({ clock, stalledAfterMs: 10_000 });
    tracker.resumed();
    vi.advanceTimersByTime(8_000);
    tracker.failed(protocol);
    vi.advanceTimersByTime(2_000);
    expect(tracker.current.sync).toBe('stalled');

    tracker.succeeded('push');
    tracker.failed(protocol);
    vi.advanceTimersByTime(9_000);
    tracker.succeeded('push');
    vi.advanceTimersByTime(60_000);
    expect(tracker.current.sync).toBe('running');
  });

  it('is offline (not stalled) on network failures, and never stalls while paused', () => {
    const tracker = new SyncStatusTracker({ clock, stalledAfterMs: 1_000 });
    tracker.resumed();
    tracker.failed(transient);
    vi.advanceTimersByTime(5_000);
    expect(tracker.current.sync).toBe('offline');

    tracker.paused();
    tracker.failed(protocol);
    vi.advanceTimersByTime(5_000);
    expect(tracker.current.sync).toBe('paused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts initial-sync progress until the first short page', () => {
    const tracker = new SyncStatusTracker({ clock });
    tracker.pulledInitially(100);
    tracker.pulledInitially(40);
    tracker.initialSyncDone();
    tracker.pulledInitially(7);
    expect(tracker.current.initialSync).toEqual({ pulled: 140, done: true });
  });
});
