import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabSync } from '../../src/sync/tab-sync.ts';
import { ScriptedLeader, arrived, channelName } from './support/tab-pair.ts';
import { eventually } from './support/until.ts';

// awaitInSync in a tab that does not replicate: the leader tab's word, including writes the follower
// made before asking, which RxDB's own cross-tab message may bring to the leader's replication late.
describe('awaitInSync in a follower tab', () => {
  const open: TabSync[] = [];
  const tab = (name: string, opts: { probeMs?: number } = {}): TabSync => {
    const t = new TabSync({ channel: new BroadcastChannel(name), recheckMs: 10, ...opts });
    open.push(t);
    return t;
  };
  const settled = (promise: Promise<unknown>): { done: boolean } => {
    const state = { done: false };
    void promise.then(() => (state.done = true));
    return state;
  };

  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    vi.useRealTimers();
  });

  it('waits while the shared storage still holds the follower write, though RxDB says in sync', async () => {
    const name = channelName();
    const leader = new ScriptedLeader();
    tab(name).lead(leader);
    // The follower wrote one document; the leader's replication has not heard of it yet.
    leader.pending = { todo: { count: 1, oldestAt: 5 } };
    const inSync = tab(name).awaitInSync();
    const state = settled(inSync);

    await eventually(() => leader.counted >= 3);
    expect(state.done).toBe(false);
    leader.pending = { todo: { count: 0, oldestAt: null } };
    expect(await inSync).toBe(true);
  });

  it('waits while the leader replication is not in sync (offline, paused)', async () => {
    const name = channelName();
    const leader = new ScriptedLeader();
    let reachServer!: () => void;
    leader.rxInSync = new Promise((resolve) => (reachServer = resolve));
    tab(name).lead(leader);
    const inSync = tab(name).awaitInSync();
    const state = settled(inSync);

    await arrived(() => leader.asked === 1);
    expect(state.done).toBe(false);
    expect(leader.counted).toBe(0);
    reachServer();
    expect(await inSync).toBe(true);
  });

  it('is answered by the next leader when the leader tab closes before answering', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const first = new ScriptedLeader();
    first.rxInSync = null;
    const firstTab = tab(name, { probeMs: 1_000 });
    firstTab.lead(first);
    const inSync = tab(name, { probeMs: 1_000 }).awaitInSync();
    await arrived(() => first.asked === 1);
    firstTab.close();

    tab(name).lead(new ScriptedLeader());
    // The follower repeats its question every probeMs; the new leader answers it.
    vi.advanceTimersByTime(1_000);
    expect(await inSync).toBe(true);
  });

  it('ends with false when the tab closes (logout, user switch) instead of hanging', async () => {
    const name = channelName();
    const follower = tab(name);
    const inSync = follower.awaitInSync();
    follower.close();
    expect(await inSync).toBe(false);
  });
});
