import { afterEach, describe, expect, it } from 'vitest';
import { catches, startScenario, type Scenario } from './support/fault-scenario.ts';
import { eventually, untilStatus } from '../e2e/support/e2e-client.ts';
import { askedToRelogin, expectOnServer, refreshesOf, untilReloginRequired } from './support/session-fault-tools.ts';

// Clock faults: time passes without timers firing (a laptop that slept), or the device's clock is
// simply wrong. The client measures expiry from token lifetimes on its own clock, notices jumps, and
// refreshes once per expiry; only a refresh token that really ran out asks for a new login.
const HOUR = 3_600_000;

describe('clock faults', () => {
  let scenario: Scenario;
  afterEach(async () => scenario?.close());

  it(`a laptop that sleeps past the access token's expiry refreshes once on waking ${catches(5, 7, 8)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: 60 } });
    const user = await scenario.user();
    // In Node the wake signal is the coarse clock-jump timer; ticking it often keeps the test short.
    const laptop = scenario.device('laptop', { wakeSignals: { checkIntervalMs: 100 } });
    await laptop.login(user);
    await laptop.write({ id: 'before-sleep', title: 'before', done: false });
    await laptop.client.awaitInSync();
    expect(refreshesOf(laptop)).toBe(0);

    // Two lifetimes of sleep, on both clocks: the token is dead on the server too.
    laptop.shiftClock(120_000);
    scenario.server.shiftClock(120_000);
    // Nothing asks for a token: the wake signal alone must notice.
    await eventually(() => laptop.events.some((e) => (e as { event: string }).event === 'refreshed'), 'a refresh after waking', 5_000);
    await laptop.write({ id: 'after-sleep', title: 'after', done: true });
    await scenario.checkInvariants({ maxRefreshes: { laptop: 1 } });
    expect(refreshesOf(laptop)).toBe(1);
  });

  it(`sleeping past the refresh token's expiry asks for a login; writes made meanwhile are pushed after it ${catches(1, 6, 7)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: 20, refreshTokenTtlSec: 60 } });
    const user = await scenario.user();
    const laptop = scenario.device('laptop', { wakeSignals: { checkIntervalMs: 100 } });
    await laptop.login(user);
    await laptop.client.awaitInSync();

    laptop.shiftClock(180_000);
    scenario.server.shiftClock(180_000);
    await untilReloginRequired(laptop);
    // The refresh token is known dead locally: it is not even sent.
    expect(refreshesOf(laptop)).toBe(0);
    const meanwhile = [
      { id: 'asleep-1', title: 'written while expired', done: false },
      { id: 'asleep-2', title: 'also while expired', done: true },
    ];
    for (const doc of meanwhile) await laptop.write(doc);
    expect(await scenario.server.readDocuments(user.userId, 'todo')).toHaveLength(0);

    await laptop.login(user);
    await laptop.client.awaitInSync();
    // The oracle excuses a device sent to relogin; these writes must be on the server all the same.
    await expectOnServer(scenario, user.userId, meanwhile);
    expect(askedToRelogin(laptop)).toBe(1);
    await scenario.checkInvariants({ expectRelogin: ['laptop'] });
  });

  it(`a device clock an hour fast causes at most one refresh and no relogin ${catches(5, 7, 8)}`, async () => {
    // A refresh token that outlives the jump: an hour of wrong clock must not look like its expiry.
    scenario = await startScenario({ server: { accessTokenTtlSec: 1800, refreshTokenTtlSec: 86_400 } });
    const user = await scenario.user();
    const phone = scenario.device('phone', { wakeSignals: { checkIntervalMs: 100 } });
    await phone.login(user);
    await phone.client.awaitInSync();

    phone.shiftClock(HOUR);
    // Whatever the client thinks of its token now, asking for one must not loop.
    await phone.client.getValidAccessToken();
    await phone.write({ id: 'fast-clock', title: 'an hour ahead', done: false });
    await phone.client.awaitInSync();
    // More wake ticks and timer re-computations later (each tick is 100 ms), still at most one refresh.
    await phone.write({ id: 'fast-clock-2', title: 'still ahead', done: true });
    await phone.client.getValidAccessToken();
    await scenario.checkInvariants({ maxRefreshes: { phone: 1 } });
    expect(phone.client.status.session).toBe('active');
  });

  it(`a device clock an hour slow refreshes nothing and keeps syncing ${catches(5, 7, 8)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: 1800, refreshTokenTtlSec: 86_400 } });
    const user = await scenario.user();
    const phone = scenario.device('phone', { wakeSignals: { checkIntervalMs: 100 } });
    await phone.login(user);
    await phone.client.awaitInSync();

    phone.shiftClock(-HOUR);
    await untilStatus(phone.client, (s) => s.session === 'active', 'active after the jump back');
    await phone.client.getValidAccessToken();
    await phone.write({ id: 'slow-clock', title: 'an hour behind', done: true });
    await scenario.checkInvariants({ maxRefreshes: { phone: 0 } });
  });
});
