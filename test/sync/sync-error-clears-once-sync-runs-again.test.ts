import { describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../../src/errors/classify-failure.ts';
import { SyncStatusTracker } from '../../src/sync/sync-status.ts';

const network: ClassifiedFailure = { kind: 'transient', code: 'NETWORK', message: 'fetch failed' };
const accessRejected: ClassifiedFailure = { kind: 'accessRejected', code: 'ACCESS_REJECTED', message: 'token expired' };
const refused: ClassifiedFailure = { kind: 'rejected', code: 'REQUEST_REJECTED', message: 'Cannot query field' };
const malformed: ClassifiedFailure = { kind: 'protocol', code: 'PROTOCOL', message: 'stream event without documents' };

// `syncError` is what keeps sync from running, not a log of the past: a later success that
// disproves the failure clears it. The clock is injected and no timer is waited for.
describe('the sync error of a collection', () => {
  const running = (): SyncStatusTracker => {
    const tracker = new SyncStatusTracker({ clock: { now: () => 1_000 }, stalledAfterMs: 60_000 });
    tracker.resumed();
    return tracker;
  };

  it('clears on the next success in either direction after a network failure, and the status runs again', () => {
    for (const direction of ['pull', 'push'] as const) {
      const tracker = running();
      tracker.failed(network, 'stream');
      expect(tracker.current).toMatchObject({ sync: 'offline', lastError: network });
      tracker.succeeded(direction);
      expect(tracker.current).toMatchObject({ sync: 'running', lastError: null });
      tracker.dispose();
    }
  });

  it('clears when the live stream connects again after a network failure or a rejected token', () => {
    for (const failure of [network, accessRejected]) {
      const tracker = running();
      tracker.failed(failure, 'push');
      tracker.connected();
      expect(tracker.current).toMatchObject({ sync: 'running', lastError: null });
      tracker.dispose();
    }
  });

  it('keeps a refused request until that kind of request succeeds (no flicker from the other direction)', () => {
    const tracker = running();
    tracker.failed(refused, 'push');
    tracker.succeeded('pull');
    tracker.connected();
    expect(tracker.current.lastError).toEqual(refused);
    tracker.succeeded('push');
    expect(tracker.current.lastError).toBeNull();
    tracker.dispose();
  });

  it('clears a malformed stream event once a pull (which brings the same changes) or a connect succeeds', () => {
    const tracker = running();
    tracker.failed(malformed, 'stream');
    tracker.succeeded('push');
    expect(tracker.current.lastError).toEqual(malformed);
    tracker.succeeded('pull');
    expect(tracker.current.lastError).toBeNull();
    tracker.failed(malformed, 'stream');
    tracker.connected();
    expect(tracker.current.lastError).toBeNull();
    tracker.dispose();
  });

  it('without a direction, clears on any success; while paused too, without leaving paused', () => {
    const tracker = running();
    tracker.failed(refused);
    tracker.succeeded('pull');
    expect(tracker.current.lastError).toBeNull();
    tracker.paused();
    tracker.failed(network);
    tracker.succeeded('push');
    expect(tracker.current).toMatchObject({ sync: 'paused', lastError: null });
    tracker.dispose();
  });
});
