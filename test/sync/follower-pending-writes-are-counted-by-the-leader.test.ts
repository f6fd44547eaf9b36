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

  it('are null after the answer timeout when no leader answers, and the last report stays readable', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const leaderTab = tab(name);
    leaderTab.lead(new ScriptedLeader());
    const follower = tab(name);
    await arrived(() => follower.lastReport !== null);
    leaderTab.close();

    const counts = follower.pendingWrites();
    vi.advanceTimersByTime(2_000);
    expect(await counts).toBeNull();
    expect(follower.lastReport).toEqual(runningStatus());
  });
});
