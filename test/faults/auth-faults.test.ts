import { afterEach, describe, expect, it } from 'vitest';
import { inProcessRefreshLock } from '../../src/session/refresh-lock.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { catches, startScenario, type Device, type Scenario } from './support/fault-scenario.ts';
import { eventually } from '../e2e/support/e2e-client.ts';
import {
  askedToRelogin, authThroughProxy, expectOnServer, refreshesOf, untilConverged, untilReloginRequired,
} from './support/session-fault-tools.ts';

// Auth faults: the session, not the network, fails. Each expiry costs one refresh whoever asks;
// only a session the server ended asks for a login; writes wait on the device for their own user.
const unauthenticated = (status: number): Response =>
  new Response(JSON.stringify({ errors: [{ message: 'access token rejected', extensions: { code: 'UNAUTHENTICATED' } }] }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

const ACCESS_TTL_SEC = 60;
/** Two lifetimes on every clock (devices and server): every access token handed out so far is dead. */
function sleepPastAccessExpiry(scenario: Scenario, ...devices: Device[]): void {
  for (const device of devices) device.shiftClock(2 * ACCESS_TTL_SEC * 1000);
  scenario.server.shiftClock(2 * ACCESS_TTL_SEC * 1000);
}

describe('auth faults', () => {
  let scenario: Scenario;
  afterEach(async () => scenario?.close());

  it(`a refresh answered after the client gave up is retried, not waited on forever ${catches(5, 7, 8)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: ACCESS_TTL_SEC } });
    const user = await scenario.user();
    // The client leaves the adapter's 30 s deadline (no client option sets it); 1 s keeps the scenario short.
    const auth = authThroughProxy(scenario, { refreshTimeoutMs: 1_000, answerLate: 1 });
    const laptop = scenario.device('laptop', { auth, backoff: { baseMs: 50, maxMs: 200 } });
    await laptop.login(user);
    await laptop.client.awaitInSync();
    const before = scenario.server.stats().refreshes;

    sleepPastAccessExpiry(scenario, laptop);
    // Asked while the refresh backs off, the client says NETWORK at once (it never hangs); it retries by itself.
    await laptop.client.getValidAccessToken().catch(() => undefined);
    await eventually(() => laptop.events.some((e) => (e as { event: string }).event === 'refreshed'), 'the retried refresh', 5_000);
    await laptop.client.getValidAccessToken();
    expect(auth.lateAnswers, 'the first refresh was answered, too late').toBe(1);
    expect(refreshesOf(laptop)).toBe(2);
    expect(scenario.server.stats().refreshes - before).toBe(2);
    await laptop.write({ id: 'after-late-refresh', title: 'synced', done: false });
    await scenario.checkInvariants({ maxRefreshes: { laptop: 2 } });
  });

  it(`a rotated refresh token answered too late ends in one clean relogin, no loop ${catches(1, 5, 6, 7)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: ACCESS_TTL_SEC, rotateRefreshTokens: true } });
    const user = await scenario.user();
    const auth = authThroughProxy(scenario, { refreshTimeoutMs: 1_000, answerLate: 1 });
    const laptop = scenario.device('laptop', { auth, backoff: { baseMs: 50, maxMs: 200 } });
    await laptop.login(user);
    await laptop.client.awaitInSync();

    sleepPastAccessExpiry(scenario, laptop);
    // The server rotated on the late-answered request; the retry presents the old token: reuse.
    await expect(laptop.client.getValidAccessToken()).rejects.toMatchObject({ code: expect.any(String) });
    await untilReloginRequired(laptop);
    const pending = { id: 'waits-for-login', title: 'kept', done: false };
    await laptop.write(pending);
    expect(refreshesOf(laptop), 'one abandoned refresh, one refused retry, then nothing').toBe(2);
    await laptop.login(user);
    await laptop.client.awaitInSync();
    await expectOnServer(scenario, user.userId, [pending]);
    expect(askedToRelogin(laptop)).toBe(1);
    await scenario.checkInvariants({ expectRelogin: ['laptop'], maxRefreshes: { laptop: 2 } });
  });

  it(`two tabs due at once against a rotating server: one refresh, the other adopts ${catches(5, 7, 8)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: ACCESS_TTL_SEC, rotateRefreshTokens: true } });
    const user = await scenario.user();
    const shared = { sessionStore: memorySessionStore(), refreshLock: inProcessRefreshLock() };
    const tab1 = scenario.device('tab1', shared);
    const tab2 = scenario.device('tab2', shared);
    await tab1.login(user);
    await tab2.client.start(); // restores tab1's session from the shared store
    expect(tab2.client.user?.id).toBe(user.userId);
    await Promise.all([tab1.client.awaitInSync(), tab2.client.awaitInSync()]);
    const before = scenario.server.stats();

    sleepPastAccessExpiry(scenario, tab1, tab2);
    await Promise.all([tab1.client.getValidAccessToken(), tab2.client.getValidAccessToken()]);
    expect(scenario.server.stats().refreshes - before.refreshes, 'one refresh for both tabs').toBe(1);
    expect(scenario.server.stats().refreshFailures - before.refreshFailures).toBe(0);
    expect(refreshesOf(tab1) + refreshesOf(tab2)).toBe(1);
    await tab1.write({ id: 'tab1-after', title: 'one', done: false });
    await tab2.write({ id: 'tab2-after', title: 'two', done: true });
    await untilConverged(scenario, user.userId, [tab1, tab2]);
    await scenario.checkInvariants({ maxRefreshes: { tab1: 1, tab2: 1 } });
  });

  it(`a revoked session asks for a login; writes wait and are pushed after it ${catches(1, 6, 7)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(user);
    await laptop.write({ id: 'before-revoke', title: 'synced', done: false });
    await laptop.client.awaitInSync();

    await scenario.server.revokeSessions(user.userId);
    const pending = [
      { id: 'after-revoke-1', title: 'waits', done: false },
      { id: 'after-revoke-2', title: 'waits too', done: true },
    ];
    await laptop.write(pending[0]!); // its push is refused with 401, the refresh with InvalidSession
    await untilReloginRequired(laptop);
    await laptop.write(pending[1]!);
    expect((await scenario.server.readDocuments(user.userId, 'todo')).map((d) => d.id)).toEqual(['before-revoke']);
    expect(refreshesOf(laptop), 'the refused refresh is not retried').toBe(1);

    await laptop.login(user);
    await laptop.client.awaitInSync();
    await expectOnServer(scenario, user.userId, pending);
    expect(askedToRelogin(laptop)).toBe(1);
    await scenario.checkInvariants({ expectRelogin: ['laptop'], maxRefreshes: { laptop: 1 } });
  });

  it(`a storm of 50 requests all rejected with 401 costs one refresh ${catches(5, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(user);
    await laptop.client.awaitInSync();

    // Every GraphQL request is refused until a refresh goes out (the server's view of a token that just expired).
    let rejecting = true;
    laptop.intercept = ({ kind }) => {
      if (kind === 'refresh') rejecting = false;
      return kind === 'graphql' && rejecting ? unauthenticated(401) : undefined;
    };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => laptop.client.graphql.request('{ __typename }')));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(laptop.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(50);
    expect(refreshesOf(laptop)).toBe(1);
    await laptop.write({ id: 'after-storm', title: 'synced', done: false });
    await scenario.checkInvariants({ maxRefreshes: { laptop: 1 } });
  });

  it(`HTTP 200 with UNAUTHENTICATED is an access rejection: one refresh, the push replayed ${catches(1, 5, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(user);
    await laptop.client.awaitInSync();

    let refused = 0;
    laptop.intercept = ({ kind, body }) => {
      const push = kind === 'graphql' && typeof body === 'string' && body.includes('mutation');
      if (push && refreshesOf(laptop) === 0) {
        refused += 1;
        return unauthenticated(200);
      }
      return undefined;
    };
    await laptop.write({ id: 'refused-once', title: 'replayed', done: true });
    await laptop.client.awaitInSync();
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refreshesOf(laptop)).toBe(1);
    await scenario.checkInvariants({ maxRefreshes: { laptop: 1 } });
  });

  it(`a relogin as another user never pushes the first user's writes under the second's token ${catches(1, 3, 6)}`, async () => {
    scenario = await startScenario();
    const alice = await scenario.user();
    const bob = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(alice);
    await laptop.client.awaitInSync();

    await scenario.server.revokeSessions(alice.userId);
    const alices = [
      { id: 'alice-1', title: 'alice pending', done: false },
      { id: 'alice-2', title: 'alice pending too', done: true },
    ];
    await laptop.write(alices[0]!);
    await untilReloginRequired(laptop);
    await laptop.write(alices[1]!);

    await laptop.login(bob);
    expect(laptop.client.user?.id).toBe(bob.userId);
    const bobsView = (await laptop.client.collections.todo.find().exec()).map((d) => d.primary);
    expect(bobsView, "bob does not see alice's local documents").toEqual([]);
    await laptop.write({ id: 'bob-1', title: 'bob', done: false });
    await laptop.client.awaitInSync();
    const onBobs = (await scenario.server.readDocuments(bob.userId, 'todo')).map((d) => d.id);
    expect(onBobs).toEqual(['bob-1']);

    // Alice comes back: her writes were kept and go out under her own token.
    await laptop.login(alice);
    await laptop.client.awaitInSync();
    await expectOnServer(scenario, alice.userId, alices);
    await scenario.checkInvariants({ expectRelogin: ['laptop'] });
  });

  // Found by the model-based test: alice's push asked for a token while bob's login was in flight, and
  // was then handed bob's token. A user's sync is now served its own user's tokens only.
  it(`a push waiting for a token while another user logs in never gets that user's token ${catches(1, 3)}`, async () => {
    scenario = await startScenario();
    const alice = await scenario.user();
    const bob = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(alice);
    await laptop.client.awaitInSync();
    // Bob's login is held at the server's door until alice's push is waiting for a token.
    let releaseLogin!: () => void;
    const loginHeld = new Promise<void>((resolve) => (releaseLogin = resolve));
    let loginsSeen = 0;
    laptop.intercept = async (request) => {
      if (request.kind !== 'login') return undefined;
      loginsSeen += 1;
      await loginHeld;
      return undefined;
    };
    const loggingIn = laptop.login(bob);
    await eventually(() => loginsSeen === 1, "bob's login is on its way");
    await laptop.write({ id: 'alice-while-bob-logs-in', title: 'alice, during the switch', done: false });
    // RxDB's upstream picks the write up within milliseconds and asks for a token, which waits while a
    // login is in flight. This wait only gives it that chance: it is no clock the outcome depends on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    releaseLogin();
    await loggingIn;
    laptop.intercept = null;
    expect(laptop.client.user?.id).toBe(bob.userId);
    await laptop.client.awaitInSync();
    expect((await scenario.server.readDocuments(bob.userId, 'todo')).map((d) => d.id)).toEqual([]);
    // Alice comes back: her write was kept and goes out under her own token.
    await laptop.login(alice);
    await laptop.client.awaitInSync();
    await scenario.checkInvariants();
  });

  it(`a tab closed while it holds the refresh lock does not block the other tab ${catches(5, 8)}`, async () => {
    scenario = await startScenario({ server: { accessTokenTtlSec: ACCESS_TTL_SEC } });
    const user = await scenario.user();
    const shared = { sessionStore: memorySessionStore(), refreshLock: inProcessRefreshLock(), auth: authThroughProxy(scenario) };
    const doomed = scenario.device('doomed', shared);
    const survivor = scenario.device('survivor', shared);
    await doomed.login(user);
    await survivor.client.start();
    await Promise.all([doomed.client.awaitInSync(), survivor.client.awaitInSync()]);

    // The doomed tab's refresh hangs in flight, holding the lock.
    let release!: (response: Response) => void;
    const hung = new Promise<Response>((resolve) => (release = resolve));
    doomed.intercept = ({ kind }) => (kind === 'refresh' ? hung : undefined);
    sleepPastAccessExpiry(scenario, doomed, survivor);
    void doomed.client.getValidAccessToken().catch(() => undefined);
    await eventually(() => refreshesOf(doomed) === 1, 'the doomed tab refreshing');
    const waiting = survivor.client.getValidAccessToken(); // queued behind the lock

    // The tab is closed; it leaves the stage (nothing of it is checked any more).
    await doomed.close();
    scenario.devices.splice(scenario.devices.indexOf(doomed), 1);
    const blocked = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the survivor is still blocked behind the closed tab\'s lock')), 8_000).unref());
    await Promise.race([waiting, blocked]);
    expect(refreshesOf(survivor)).toBe(1);
    await survivor.write({ id: 'survivor-after', title: 'synced', done: false });
    await scenario.checkInvariants({ maxRefreshes: { survivor: 1 } });
    release(new Response(null, { status: 503 }));
  });
});
