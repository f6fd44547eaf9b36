import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabSync } from '../../src/sync/tab-sync.ts';
import { ScriptedLeader, arrived, channelName } from './support/tab-pair.ts';

// logout({ flushTimeoutMs }) in a tab that does not replicate: the leader tab pushes for at most that
// long, then the follower reports what stayed in the shared outbox.
describe('a follower logout flush', () => {
  const open: TabSync[] = [];
  const tab = (name: string): TabSync => {
    const t = new TabSync({ channel: new BroadcastChannel(name) });
    open.push(t);
    return t;
  };

  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    vi.useRealTimers();
  });

  it('reports at once what the leader pushed when it is in sync', async () => {
    const name = channelName();
    tab(name).lead(new ScriptedLeader());
    expect(await tab(name).flush(5_000)).toEqual({ todo: { count: 0, oldestAt: null } });
  });

  it('gives up waiting after the bound and reports what stayed local', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const name = channelName();
    const leader = new ScriptedLeader();
    leader.rxInSync = null; // offline: the leader cannot push
    leader.pending = { todo: { count: 3, oldestAt: 1_000 } };
    tab(name).lead(leader);
    const left = tab(name).flush(5_000);
    await arrived(() => leader.asked === 1);

    vi.advanceTimersByTime(5_000);
    expect(await left).toEqual({ todo: { count: 3, oldestAt: 1_000 } });
  });
});
