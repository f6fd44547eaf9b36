import { afterEach, describe, expect, it } from 'vitest';
import { catches, startScenario, type Device, type Scenario } from './support/fault-scenario.ts';
import { eventually, todos, untilStatus } from '../e2e/support/e2e-client.ts';

// Restart faults: the app stops without a goodbye (no logout, no flush) and starts again on the same
// storage and session store. The outbox survives and is pushed once in effect, the session comes back
// without a relogin, and the checkpoints are reused (no full resync).

/** Answered pushes that carried `id`, over the device's lives. */
const pushesOf = (id: string, ...lives: Device[]): number =>
  lives.flatMap((d) => d.requests).filter((r) => r.status === 200 && r.pushedIds.includes(id)).length;

describe('restart faults', () => {
  let scenario: Scenario;
  afterEach(async () => scenario?.close());

  it(`a crash between a local write and its push pushes the write once after the restart, from the kept checkpoint ${catches(1, 2, 7, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(user);
    for (const doc of todos(20, 'synced')) await laptop.write(doc);
    await laptop.client.awaitInSync();
    await laptop.write({ id: 'unpushed', title: 'written just before the crash', done: false });
    const restarted = await laptop.restart();
    await restarted.client.start();
    expect(restarted.client.status.session, 'the session came back from the store').toBe('active');
    await restarted.client.awaitInSync();
    expect(pushesOf('unpushed', laptop), 'pushed before the crash').toBe(0);
    expect(pushesOf('unpushed', restarted), 'pushed after the restart').toBe(1);
    // The checkpoint survived: the new life pulls what changed since, not the 20 documents it has.
    expect(restarted.client.status.initialSync.pulled, 'documents pulled again after the restart').toBeLessThanOrEqual(1);
    expect(pushesOf('synced-00003', restarted), 'a synced document pushed again').toBe(0);
    await scenario.checkInvariants({ maxRefreshes: { laptop: 0 } });
  });

  it(`a restart while offline with a pending outbox keeps the session and pushes the outbox once the network is back ${catches(1, 2, 7, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const phone = scenario.device('phone');
    await phone.login(user);
    await phone.client.awaitInSync();
    scenario.proxy.setMode({ kind: 'refuse' });
    for (const doc of todos(25, 'offline')) await phone.write(doc);
    await untilStatus(phone.client, (s) => s.sync === 'offline', 'offline');
    const restarted = await phone.restart();
    await restarted.client.start();
    // Restored without the network: still signed in, the outbox counted, nobody asked to log in.
    expect(restarted.client.status.session).not.toBe('loggedOut');
    await untilStatus(restarted.client, (s) => s.pendingWrites === 25, 'the outbox counted after the restart', 5_000);
    await restarted.write({ id: 'offline-after-restart', title: 'written after the restart, still offline', done: true });
    scenario.proxy.setMode({ kind: 'pass' });
    await scenario.checkInvariants({ maxRefreshes: { phone: 0 } });
    for (const id of ['offline-00000', 'offline-00024', 'offline-after-restart']) expect(pushesOf(id, phone, restarted), `pushes of ${id}`).toBe(1);
  });

  it(`a restart while the refresh is in flight refreshes once more and pushes what waited ${catches(1, 5, 6, 7, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    // One clock over both lives of the device: the expiry it saw before the restart holds after it.
    let shift = 0;
    const clock = { now: () => Date.now() + shift };
    const laptop = scenario.device('laptop', { clock });
    await laptop.login(user);
    await laptop.client.awaitInSync();
    // The refresh reaches the server, which answers; the answer never comes back.
    laptop.intercept = (request) => {
      if (request.kind === 'refresh') scenario.proxy.setMode({ kind: 'silent' });
      return undefined;
    };
    // The access token expires on both clocks (30 min; the stream is closed 4401 at once), the refresh token's (1 h) does not.
    shift += 1900_000;
    scenario.server.shiftClock(1900_000);
    await laptop.write({ id: 'waits-for-refresh', title: 'written as the token expired', done: false });
    await eventually(() => laptop.requests.some((r) => r.kind === 'refresh' && r.status === 'pending'), 'a refresh in flight');
    await eventually(() => scenario.server.stats().refreshes >= 1, 'the server answered the refresh');
    scenario.proxy.setMode({ kind: 'pass' });
    const restarted = await laptop.restart();
    await restarted.client.start();
    await restarted.client.awaitInSync();
    expect(pushesOf('waits-for-refresh', laptop, restarted)).toBe(1);
    expect(restarted.requests.filter((r) => r.kind === 'refresh' && r.status === 201), 'one refresh after the restart').toHaveLength(1);
    await restarted.write({ id: 'after-refresh', title: 'written after the restart', done: true });
    await scenario.checkInvariants({ maxRefreshes: { laptop: 1 } });
  });
});
