import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabSync } from '../../src/sync/tab-sync.ts';
import { ScriptedLeader, arrived, channelName, runningStatus } from './support/tab-pair.ts';

// client.pendingWrites() and onReloginRequired's counts in a tab that does not replicate: the leader
// counts (the outbox is shared); with no leader answering, the follower does not hang.
describe('pending writes in a follower tab', () => {
  const open: TabSync[] = [];
  const tab = (name: string): TabSync => {
    const t = new TabSync({ channel: new BroadcastChannel(name), answerTimeoutMs: 2_000 });
    open.push(t);
    return t;
  };

  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    vi.useRealTimers();
  });

  it('are the leader count of the shared outbox, paused or not', async () => {
    const name = channelName();
    const leader = new ScriptedLeader();
    leader.status.next({ ...runningStatus(2), sync: 'paused' });
    leader.rxInSync = null;
    leader.pending = { todo: { count: 2, oldestAt: 1_700_000_000_000 } };
    tab(name).lead(leader);

    expect(await tab(name).pendingWrites()).toEqual({ todo: { count: 2, oldestAt: 1_700_000_000_000 } });
    expect(leader.counted).toBe(1);
  });

  it('are the last report counts, age unknown, once no leader answered within the timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const leaderTab = tab(name);
    const leader = new ScriptedLeader();
    leader.status.next(runningStatus(4));
    leaderTab.lead(leader);
    const follower = tab(name);
    let reported = false;
    follower.status$.subscribe((view) => (reported ||= view?.pendingWrites === 4));
    await arrived(() => reported);
    leaderTab.close();

    const counts = follower.pendingWrites();
    let done = false;
    void counts.then(() => (done = true));
    vi.advanceTimersByTime(1_999);
    await Promise.resolve();
    expect(done).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await counts).toEqual({ todo: { count: 4, oldestAt: null } });
  });

  it('are empty when no leader ever reported', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const counts = tab(channelName()).pendingWrites();
    vi.advanceTimersByTime(2_000);
    expect(await counts).toEqual({});
  });
});
