import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabSync, type TabSyncStatus } from '../../src/sync/tab-sync.ts';
import { ScriptedLeader, channelName, runningStatus } from './support/tab-pair.ts';
import { until } from './support/until.ts';

// A tab that does not replicate shows what the replicating (leader) tab reports, and says so when
// no leader answers instead of showing a sync that is not happening.
describe('a follower tab', () => {
  const open: TabSync[] = [];
  const tabs = (name: string): TabSync => {
    const tab = new TabSync({ channel: new BroadcastChannel(name), probeMs: 5_000, answerTimeoutMs: 2_000 });
    open.push(tab);
    return tab;
  };
  // Messages arrive on the event loop; waiting for them never moves the fake clock.
  const latest = (tab: TabSync): { value: TabSyncStatus | null; next(p: (v: TabSyncStatus | null) => boolean): Promise<unknown> } => {
    const seen = { value: null as TabSyncStatus | null, next: (p: (v: TabSyncStatus | null) => boolean) => until(tab.status$, p, 5_000) };
    tab.status$.subscribe((v) => (seen.value = v));
    return seen;
  };

  afterEach(() => {
    for (const tab of open.splice(0)) tab.close();
    vi.useRealTimers();
  });

  it('shows the leader status as it changes, marked as a follower', async () => {
    const name = channelName();
    const leaderTab = tabs(name);
    const leader = new ScriptedLeader();
    leaderTab.lead(leader);
    const follower = latest(tabs(name));

    await follower.next((v) => v !== null);
    expect(follower.value).toEqual({ ...runningStatus(), tab: 'follower' });
    leader.status.next({ ...runningStatus(3), sync: 'offline' });
    await follower.next((v) => v?.sync === 'offline');
    expect(follower.value).toMatchObject({ tab: 'follower', sync: 'offline', pendingWrites: 3 });
  });

  it('says noLeader (sync stalled) when no leader answers, and follows one once it does', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const follower = latest(tabs(name));
    vi.advanceTimersByTime(1_999);
    expect(follower.value).toBeNull();
    vi.advanceTimersByTime(1);
    expect(follower.value).toMatchObject({ tab: 'noLeader', sync: 'stalled' });

    const leader = new ScriptedLeader();
    tabs(name).lead(leader);
    await follower.next((v) => v?.tab === 'follower');
    expect(follower.value).toMatchObject({ tab: 'follower', sync: 'running' });
  });

  it('says noLeader when the leader it followed stops answering (frozen tab)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const leaderTab = tabs(name);
    leaderTab.lead(new ScriptedLeader());
    const follower = latest(tabs(name));
    await follower.next((v) => v?.tab === 'follower');

    leaderTab.close();
    // The next probe (5 s) goes unanswered for 2 s.
    vi.advanceTimersByTime(5_000 + 1_999);
    expect(follower.value).toMatchObject({ tab: 'follower' });
    vi.advanceTimersByTime(1);
    expect(follower.value).toMatchObject({ tab: 'noLeader', sync: 'stalled', lastPushedAt: 2_000 });
  });
});
