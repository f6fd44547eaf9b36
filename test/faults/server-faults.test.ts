import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { catches, startScenario, startScenarioOn, type Device, type Scenario } from './support/fault-scenario.ts';
import { canFailOver, startFailoverPair, startRestartableServer, type FailoverPair, type RestartableServer } from './support/server-processes.ts';
import { eventually, todos, untilStatus } from '../e2e/support/e2e-client.ts';

// Server faults: the server process dies, fails over, or answers with errors and throttles. The
// client backs off (never spins), keeps every write, asks nobody to log in again, and syncs once the
// server is healthy.

type Intercepted = Parameters<NonNullable<Device['intercept']>>[0];
const isPush = (request: Intercepted): boolean => request.kind === 'graphql' && typeof request.body === 'string' && request.body.includes('mutation');
const isPull = (request: Intercepted): boolean => request.kind === 'graphql' && !isPush(request);
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** Answers the next `count` requests that `which` picks with `answer`, then lets everything through. */
function failNext(device: Device, count: number, which: (request: Intercepted) => boolean, answer: () => Response): { readonly answered: number } {
  let answered = 0;
  device.intercept = (request) => {
    if (answered >= count || !which(request)) return undefined;
    answered += 1;
    return answer();
  };
  return { get answered() { return answered; } };
}

async function expectNothingSetAside(device: Device): Promise<void> {
  // A transient server failure is no refusal: the oracle accepts set-aside documents, so check here.
  expect(await firstValueFrom(device.client.rejected$), `${device.name} set documents aside`).toEqual([]);
}

describe('server faults', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.close();
    scenario = undefined;
  });

  // Found by this scenario: the laptop pulled at connect, the phone's write committed before the
  // laptop's subscription was live, and the laptop never heard of it. The server now says when a
  // subscription is live (an empty event) and the client pulls again then.
  it(`a server restarted mid-backlog on the same data and port gets every write once, and the stream comes back ${catches(1, 2, 7, 8)}`, async () => {
    const server: RestartableServer = await startRestartableServer();
    const stage = (scenario = await startScenarioOn(server));
    const user = await stage.user();
    const laptop = stage.device('laptop', { sync: { pushBatchSize: 10 } });
    const phone = stage.device('phone');
    await laptop.login(user);
    await phone.login(user);
    await laptop.client.awaitInSync();
    for (const doc of todos(100, 'restart')) await laptop.write(doc);
    await eventually(() => server.stats().pushedDocuments > 0, 'the backlog started');
    await server.stop();
    await untilStatus(laptop.client, (s) => s.sync === 'offline', 'laptop offline while the server is down');
    await laptop.write({ id: 'while-restarting', title: 'written while the server was down', done: false });
    await server.start();
    // The phone writes on the new process; the laptop hears of it only if its live stream reconnected.
    await phone.write({ id: 'after-restart', title: 'written on the new process', done: true });
    await phone.client.awaitInSync();
    await eventually(async () => (await laptop.client.collections.todo.findOne('after-restart').exec()) !== null, 'the laptop heard of the phone\'s write');
    expect(server.starts).toBe(2);
    await stage.checkInvariants({ maxRefreshes: { laptop: 0, phone: 0 } });
  });

  // Realm calls this a client reset. The server forgets what it accepted after the backup; the laptop
  // still has it, and has written more while the server was down. Without the reset, the laptop's
  // unsynced edit of a restored document conflicts with the older state and loses, and what the server
  // forgot is never pushed again (the laptop thinks it is in sync).
  it(`a server restored from a backup older than the client's checkpoint is noticed: the client pushes what the server lost, keeps its unsynced writes, and resyncs ${catches(1, 2, 8)}`, async () => {
    const server: RestartableServer = await startRestartableServer();
    const stage = (scenario = await startScenarioOn(server));
    const user = await stage.user();
    const laptop = stage.device('laptop');
    const phone = stage.device('phone');
    await laptop.login(user);
    await phone.login(user);
    for (const doc of todos(20, 'kept')) await laptop.write(doc);
    await laptop.client.awaitInSync();
    const backup = await server.backup();
    // Accepted after the backup, then forgotten by the restore.
    for (const doc of todos(10, 'forgotten')) await laptop.write(doc);
    await laptop.write({ id: 'kept-00000', title: 'edited after the backup', done: true });
    await laptop.client.awaitInSync();
    // The laptop's checkpoint passes the backup: it pulled the phone's later write.
    await phone.write({ id: 'phone-after-backup', title: 'written on the phone after the backup', done: false });
    await phone.client.awaitInSync();
    await eventually(async () => (await laptop.client.collections.todo.findOne('phone-after-backup').exec()) !== null, 'the laptop pulled the phone\'s write');
    await server.stop();
    await untilStatus(laptop.client, (s) => s.sync === 'offline', 'laptop offline while the server is down');
    // Unsynced writes: a new document, and an edit of one the backup holds in an older state.
    await laptop.write({ id: 'while-down', title: 'written while the server was down', done: false });
    await laptop.write({ id: 'kept-00000', title: 'edited again while the server was down', done: false });
    // The phone is offline until the laptop has run its reset (so the test knows which device resets).
    phone.intercept = () => {
      throw new TypeError('fetch failed: the phone is offline');
    };
    await server.restore(backup);
    const restored = await server.readDocuments(user.userId, 'todo');
    expect(restored.map((d) => String(d.id)).filter((id) => id.startsWith('forgotten') || id === 'phone-after-backup')).toEqual([]);
    const resets = (device: Device): number => device.logs.filter((l) => (l as { message: string }).message.startsWith('client reset done')).length;
    await eventually(() => resets(laptop) === 1, 'the laptop ran a client reset');
    // The phone's checkpoint is known again (the laptop pushed that document back): no second reset.
    phone.intercept = null;
    await phone.write({ id: 'kept-00002', title: 'edited on the phone after the restore', done: true });
    await stage.checkInvariants({ maxRefreshes: { laptop: 0, phone: 0 } });
    expect(resets(laptop)).toBe(1);
    expect(resets(phone)).toBe(0);
    // Every document once on the server, in the laptop's last state.
    const onServer = await server.readDocuments(user.userId, 'todo');
    expect(onServer.length).toBe(32);
    expect(onServer.find((d) => d.id === 'kept-00000')).toMatchObject({ title: 'edited again while the server was down', done: false });
    expect(onServer.find((d) => d.id === 'kept-00002')).toMatchObject({ title: 'edited on the phone after the restore' });
  });

  it.skipIf(!canFailOver)(`PostgreSQL failing over between two server processes mid-backlog loses and doubles nothing ${catches(1, 2, 7, 8)}`, async () => {
    const pair: FailoverPair = await startFailoverPair();
    const stage = (scenario = await startScenarioOn(pair));
    const user = await stage.user();
    const laptop = stage.device('laptop', { sync: { pushBatchSize: 20 } });
    const phone = stage.device('phone');
    await laptop.login(user);
    await phone.login(user);
    await laptop.client.awaitInSync();
    for (const doc of todos(200, 'failover')) await laptop.write(doc);
    await eventually(() => pair.primary.stats().pushedDocuments > 0, 'the backlog started on the primary');
    await pair.failOver();
    await laptop.write({ id: 'during-failover', title: 'written as the primary died', done: false });
    await phone.write({ id: 'on-standby', title: 'written on the standby', done: true });
    await phone.client.awaitInSync();
    await eventually(async () => (await laptop.client.collections.todo.findOne('on-standby').exec()) !== null, 'the laptop heard of the phone\'s write on the standby');
    // The tokens the primary issued serve on the standby (one signing key in the database): no refresh, no relogin.
    expect(pair.standby.stats().pushes).toBeGreaterThan(0);
    await stage.checkInvariants({ maxRefreshes: { laptop: 0, phone: 0 } });
  });

  it(`500s on a few pushes are retried and then land, nothing set aside ${catches(1, 2, 7, 8)}`, async () => {
    const stage = (scenario = await startScenario());
    const user = await stage.user();
    const laptop = stage.device('laptop');
    await laptop.login(user);
    await laptop.client.awaitInSync();
    const failures = failNext(laptop, 4, isPush, () => json(500, { error: 'internal server error', error_code: 'InternalServerError' }));
    await Promise.all(todos(30, 'five-hundred').map((doc) => laptop.write(doc)));
    await eventually(() => failures.answered >= 4, 'four pushes answered 500');
    await stage.checkInvariants({ maxRefreshes: { laptop: 0 } });
    await expectNothingSetAside(laptop);
  });

  it(`a 429 storm with Retry-After is waited out, never spun on, and then syncs ${catches(1, 2, 7, 8)}`, async () => {
    const stage = (scenario = await startScenario());
    const user = await stage.user();
    const laptop = stage.device('laptop');
    const phone = stage.device('phone');
    await laptop.login(user);
    await phone.login(user);
    await laptop.client.awaitInSync();
    const storm = 6;
    const throttled: Array<{ at: number; push: boolean }> = [];
    laptop.intercept = (request) => {
      if (request.kind !== 'graphql' || throttled.length >= storm) return undefined;
      throttled.push({ at: Date.now(), push: isPush(request) });
      return json(429, { errors: [{ message: 'slow down', extensions: { code: 'TOO_MANY_REQUESTS' } }] }, { 'retry-after': '1' });
    };
    // The storm meets the laptop's pushes, and any pull the phone's write sets off on it.
    for (const doc of todos(10, 'storm')) await laptop.write(doc);
    await phone.write({ id: 'storm-from-phone', title: 'pulled through the storm', done: false });
    await eventually(() => throttled.length >= storm, `${storm} requests throttled`);
    // No spin: after a 429 with Retry-After: 1, the same loop waits at least a second before it asks again.
    for (const push of [true, false]) {
      const times = throttled.filter((t) => t.push === push).map((t) => t.at);
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!, `${push ? 'push' : 'pull'} retried ${times[i]! - times[i - 1]!} ms after a 429 with Retry-After: 1`).toBeGreaterThanOrEqual(950);
      }
    }
    // The storm of six took seconds, not a burst: at most two loops (push, pull), each once a second.
    expect(throttled[storm - 1]!.at - throttled[0]!.at).toBeGreaterThanOrEqual(((storm / 2) - 1) * 950);
    await stage.checkInvariants({ maxRefreshes: { laptop: 0 } });
    expect(laptop.client.status.session).toBe('active');
  });

  it(`200 answers carrying INTERNAL_SERVER_ERROR for whole batches are retried until the server recovers ${catches(1, 2, 7, 8)}`, async () => {
    const stage = (scenario = await startScenario());
    const user = await stage.user();
    const laptop = stage.device('laptop');
    await laptop.login(user);
    await laptop.client.awaitInSync();
    const broken = () => json(200, { data: null, errors: [{ message: 'the database is unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    // Six failed pushes: enough to split the batch down, and more than any one part may fail before it is set aside.
    const pushes = failNext(laptop, 6, isPush, broken);
    await Promise.all(todos(16, 'ise').map((doc) => laptop.write(doc)));
    await eventually(() => pushes.answered >= 6, 'six pushes answered with INTERNAL_SERVER_ERROR');
    await laptop.write({ id: 'ise-pulled', title: 'pulled after failed pages', done: true });
    await laptop.client.awaitInSync();
    // Then a new device's first pull pages fail the same way: its checkpoint must not move past what it never stored.
    const tablet = stage.device('tablet');
    const pulls = failNext(tablet, 3, isPull, broken);
    await tablet.login(user);
    await eventually(() => pulls.answered >= 3, 'three pulls answered with INTERNAL_SERVER_ERROR');
    await stage.checkInvariants({ maxRefreshes: { laptop: 0, tablet: 0 } });
    await expectNothingSetAside(laptop);
    expect(await tablet.client.collections.todo.count().exec()).toBe(17);
  });
});
