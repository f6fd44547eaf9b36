import { afterEach, describe, expect, it } from 'vitest';
import type { SyncConflict } from '../../src/index.ts';
import { catches, startScenario, type Scenario } from './support/fault-scenario.ts';
import { until, untilStatus } from '../e2e/support/e2e-client.ts';
import { untilConverged } from './support/session-fault-tools.ts';

// Concurrency faults: two devices of one user write at the same time, or one writes while offline.
// The server decides conflicts, the collection's handler resolves them on the device that lost,
// and every device ends with the server's documents, each once.
describe('concurrency faults', () => {
  let scenario: Scenario;
  afterEach(async () => scenario?.close());

  it(`an edit made offline that conflicts is resolved server-wins, reported, and both converge ${catches(1, 2, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    // The desk talks to the server directly, so only the laptop is cut off when the proxy refuses.
    const desk = scenario.device('desk', { graphql: { url: scenario.server.graphqlUrl, wsUrl: scenario.server.wsUrl } });
    const laptop = scenario.device('laptop', { sync: { retry: { baseMs: 50, maxMs: 300 } } });
    await desk.login(user);
    await laptop.login(user);
    const conflicts: SyncConflict[] = [];
    const sub = laptop.client.conflicts$.subscribe((c) => conflicts.push(c));
    try {
      await desk.write({ id: 'shared', title: 'first', done: false });
      await desk.client.awaitInSync();
      await until(laptop.client.collections.todo.findOne('shared').$, (d) => d !== null, 'shared reaches the laptop', 10_000);

      scenario.proxy.setMode({ kind: 'refuse' });
      await laptop.write({ id: 'shared', title: 'laptop, offline', done: true });
      await untilStatus(laptop.client, (s) => s.sync === 'offline', 'the laptop offline', 10_000);
      await desk.write({ id: 'shared', title: 'desk, online', done: false });
      await desk.client.awaitInSync();
      scenario.proxy.setMode({ kind: 'pass' });

      await untilConverged(scenario, user.userId, [desk, laptop]);
      expect(conflicts.map((c) => c.collection)).toEqual(['todo']);
      expect(conflicts[0]!.output).toMatchObject({ id: 'shared', title: 'desk, online' });
      const onServer = await scenario.server.readDocuments(user.userId, 'todo');
      expect(onServer.map((d) => [d.id, d['title']])).toEqual([['shared', 'desk, online']]);
      expect(scenario.server.stats().conflicts).toBeGreaterThanOrEqual(1);
      await scenario.checkInvariants();
    } finally {
      sub.unsubscribe();
    }
  });

  it(`many writes on two devices, interleaved on shared documents, end the same everywhere ${catches(1, 2, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const phone = scenario.device('phone');
    const tablet = scenario.device('tablet');
    await phone.login(user);
    await tablet.login(user);
    await Promise.all([phone.client.awaitInSync(), tablet.client.awaitInSync()]);

    // 60 own documents each, and 10 shared ones both keep rewriting at the same time.
    const run = async (device: typeof phone): Promise<void> => {
      for (let i = 0; i < 60; i += 1) {
        await device.write({ id: `${device.name}-${i}`, title: `${device.name} ${i}`, done: i % 2 === 0 });
        if (i % 3 === 0) await device.write({ id: `shared-${(i / 3) % 10}`, title: `${device.name} round ${i}`, done: false });
      }
    };
    await Promise.all([run(phone), run(tablet)]);

    await untilConverged(scenario, user.userId, [phone, tablet], 15_000);
    const onServer = await scenario.server.readDocuments(user.userId, 'todo');
    expect(onServer).toHaveLength(130);
    await scenario.checkInvariants();
  });
});
