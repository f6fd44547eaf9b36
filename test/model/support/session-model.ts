// The model-based test's model and commands, on the fault suite's stage (test/faults/support/fault-scenario.ts).
// The model says, per device, who is signed in (or nobody), whether that session's refresh token is dead,
// and which users wrote on it; per user, the documents they wrote; and whether the network is up. Every
// command runs against real clients and the reference server behind the fault proxy, and checks what
// the model predicts right away (a login that must succeed or fail, who a restarted device restores).
// After a run, `settleAndCheck` ends the faults, brings every write home and asks the oracle.
import fc from 'fast-check';
import type { Device, Scenario } from '../../faults/support/fault-scenario.ts';
import { INVARIANTS, type Invariant } from '../../faults/support/fault-scenario.ts';
import type { TestUser } from '../../e2e/support/e2e-client.ts';
import { reachableStrings } from '../../helpers/reachable-strings.ts';

/** Server options of every run: short access tokens, refresh tokens that outlive a run's access expiries. */
export const ACCESS_TTL_SEC = 60;
export const REFRESH_TTL_SEC = 86_400;
/** One ExpireAccess moves every clock past the access lifetime; twelve of them stay far below the refresh lifetime. */
const ACCESS_SHIFT_MS = (ACCESS_TTL_SEC + 30) * 1000;
const REFRESH_SHIFT_MS = (REFRESH_TTL_SEC + 60) * 1000;
/** How long a command may take before the run fails naming it (instead of a test timeout without a seed). */
const COMMAND_MS = 25_000;
/** Liveness bound (invariant 8), as the oracle's default. */
export const LIVE_MS = 20_000;

/** Client options of every device: fast refresh backoff (no wake signals in Node), short logout revocation. */
export const DEVICE_OPTIONS = { backoff: { baseMs: 50, maxMs: 500 }, logoutTimeoutMs: 2_000 } as const;

export interface DeviceModel {
  /** Index of the signed-in (or expired) user, null when logged out. */
  user: number | null;
  /** The session's refresh token is past its lifetime: the device is (or will be, at its next request) in refreshExpired. */
  dead: boolean;
  /** Users who wrote on this device: their writes may wait in its storage until they log in here again. */
  wrote: Set<number>;
}

export interface SessionModel {
  devices: DeviceModel[];
  online: boolean;
  /** How far every clock (server and devices) has been moved. */
  clockMs: number;
  /** Writes so far (titles are `w<n>`, so every write differs). */
  writes: number;
  /** Per user: id → the last state written, on any device. */
  docs: Array<Map<string, { title: string; done: boolean }>>;
  /** Devices whose refresh token died at some point: allowed (expected) to be sent to relogin. */
  everDead: Set<number>;
  /** Devices that logged out at some point. */
  everLoggedOut: Set<number>;
}

/** The real side: the scenario, its users and the current client of each device. */
export interface Stage {
  scenario: Scenario;
  users: TestUser[];
  devices: Device[];
  /** Clients replaced by a restart: the oracle no longer sees them, `settleAndCheck` does. */
  retired: Device[];
  /** The commands run so far, for the failure message. */
  trace: string[];
  /** Online logins that failed transiently and were retried (see `loginOnline`). */
  transientLoginFailures: number;
}

export const deviceName = (i: number): string => `dev${i}`;
const userName = (u: number | null): string => (u === null ? 'nobody' : `u${u}`);

export function initialModel(devices: number, users: number): SessionModel {
  return {
    devices: Array.from({ length: devices }, () => ({ user: null, dead: false, wrote: new Set<number>() })),
    online: true,
    clockMs: 0,
    writes: 0,
    docs: Array.from({ length: users }, () => new Map()),
    everDead: new Set(),
    everLoggedOut: new Set(),
  };
}

async function within<T>(what: string, work: Promise<T>, ms = COMMAND_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function outcomeOf(work: Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await work;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function describeStatus(device: Device): string {
  const { session, sync, userId, pendingWrites, reloginReason } = device.client.status;
  return JSON.stringify({ session, sync, userId, pendingWrites, reloginReason });
}

/**
 * A login while the server is reachable. A transient failure (the first request after the network came
 * back can meet a pooled keep-alive socket the outage reset: `write ECONNRESET`) is retried, as a user
 * would, at most twice; each retry is recorded in the trace and counted. Any other failure is final.
 */
async function loginOnline(s: Stage, device: Device, user: TestUser): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await device.login(user);
      return;
    } catch (error) {
      const kind = (error as { kind?: unknown }).kind;
      if (kind !== 'transient' || attempt >= 3) throw error;
      s.transientLoginFailures += 1;
      s.trace.push(`   (login of ${device.name} failed transiently, retried: ${String(error)})`);
    }
  }
}

type Cmd = fc.AsyncCommand<SessionModel, Stage>;

export abstract class Base implements Cmd {
  abstract check(m: Readonly<SessionModel>): boolean;
  abstract act(m: SessionModel, s: Stage): Promise<void>;
  abstract toString(): string;
  async run(m: SessionModel, s: Stage): Promise<void> {
    s.trace.push(this.toString());
    await within(this.toString(), this.act(m, s));
  }
}

/**
 * Login(d, u): u logs in on the device. From loggedOut a login; from a signed-in or expired session a
 * relogin, as the same user or as another one. Online it must succeed; offline it must fail and leave
 * the device as it was (logged out, or still signed in as before: offline is neither expired nor a logout).
 */
export class Login extends Base {
  constructor(readonly d: number, readonly u: number) { super(); }
  override check(): boolean {
    return true;
  }
  override toString(): string {
    return `Login(${deviceName(this.d)}, u${this.u})`;
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    const device = s.devices[this.d]!;
    const dm = m.devices[this.d]!;
    const what = dm.user === null ? 'login' : dm.user === this.u ? 'relogin of the same user' : `relogin as another user (was u${dm.user})`;
    const result = await outcomeOf(m.online ? loginOnline(s, device, s.users[this.u]!) : device.login(s.users[this.u]!));
    if (m.online) {
      if (!result.ok) throw new Error(`${this}: ${what} failed online: ${String(result.error)} (status ${describeStatus(device)})`);
      dm.user = this.u;
      dm.dead = false;
    } else if (result.ok) {
      throw new Error(`${this}: ${what} succeeded while the server is unreachable`);
    }
    const expected = dm.user === null ? null : s.users[dm.user]!.userId;
    if ((device.client.user?.id ?? null) !== expected) {
      throw new Error(`${this}: after the ${what} (${m.online ? 'online' : 'offline'}) expected ${userName(dm.user)}, status ${describeStatus(device)}`);
    }
  }
}

/** Logout(d): no flush, so unsynced writes stay in the user's local database for their return. */
export class Logout extends Base {
  constructor(readonly d: number) { super(); }
  override check(m: Readonly<SessionModel>): boolean {
    return m.devices[this.d]!.user !== null;
  }
  override toString(): string {
    return `Logout(${deviceName(this.d)})`;
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    const device = s.devices[this.d]!;
    await device.client.logout();
    const dm = m.devices[this.d]!;
    dm.user = null;
    dm.dead = false;
    m.everLoggedOut.add(this.d);
    if (device.client.status.session !== 'loggedOut' || device.client.user !== null) throw new Error(`${this}: not logged out: ${describeStatus(device)}`);
  }
}

/** Write(d, slot, done): inserts or updates `u<user>-doc<slot>` as the signed-in user, online or not. */
export class Write extends Base {
  constructor(readonly d: number, readonly slot: number, readonly done: boolean) { super(); }
  override check(m: Readonly<SessionModel>): boolean {
    return m.devices[this.d]!.user !== null;
  }
  override toString(): string {
    return `Write(${deviceName(this.d)}, doc${this.slot}, ${this.done ? 'done' : 'open'})`;
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    const dm = m.devices[this.d]!;
    const user = dm.user!;
    const doc = { id: `u${user}-doc${this.slot}`, title: `w${m.writes++}`, done: this.done };
    await s.devices[this.d]!.write(doc);
    dm.wrote.add(user);
    m.docs[user]!.set(doc.id, { title: doc.title, done: doc.done });
  }
}

/** ExpireAccess: every clock (server and devices) moves past the access token's lifetime. */
export class ExpireAccess extends Base {
  override check(): boolean {
    return true;
  }
  override toString(): string {
    return 'ExpireAccess';
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    s.scenario.server.shiftClock(ACCESS_SHIFT_MS);
    for (const device of s.devices) device.shiftClock(ACCESS_SHIFT_MS);
    m.clockMs += ACCESS_SHIFT_MS;
  }
}

/** ExpireRefresh: every clock moves past the refresh token's lifetime: every session on every device dies. */
export class ExpireRefresh extends Base {
  override check(): boolean {
    return true;
  }
  override toString(): string {
    return 'ExpireRefresh';
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    s.scenario.server.shiftClock(REFRESH_SHIFT_MS);
    for (const device of s.devices) device.shiftClock(REFRESH_SHIFT_MS);
    m.clockMs += REFRESH_SHIFT_MS;
    m.devices.forEach((dm, i) => {
      if (dm.user === null) return;
      dm.dead = true;
      m.everDead.add(i);
    });
  }
}

/** RefreshFails(d): the device's next refresh request is answered 503 (a transient failure: backoff, no relogin). */
export class RefreshFails extends Base {
  constructor(readonly d: number) { super(); }
  override check(m: Readonly<SessionModel>): boolean {
    return m.devices[this.d]!.user !== null;
  }
  override toString(): string {
    return `RefreshFails(${deviceName(this.d)})`;
  }
  override async act(_m: SessionModel, s: Stage): Promise<void> {
    let armed = true;
    s.devices[this.d]!.intercept = ({ kind }) => {
      if (kind !== 'refresh' || !armed) return undefined;
      armed = false;
      return new Response(JSON.stringify({ error: 'service unavailable' }), { status: 503, headers: { 'content-type': 'application/json' } });
    };
  }
}

export class NetworkDown extends Base {
  override check(m: Readonly<SessionModel>): boolean {
    return m.online;
  }
  override toString(): string {
    return 'NetworkDown';
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    s.scenario.proxy.setMode({ kind: 'refuse' });
    m.online = false;
  }
}

export class NetworkUp extends Base {
  override check(m: Readonly<SessionModel>): boolean {
    return !m.online;
  }
  override toString(): string {
    return 'NetworkUp';
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    s.scenario.proxy.setMode({ kind: 'pass' });
    m.online = true;
  }
}

/** Restart(d): a new client on the device's storage and session store; its clock keeps the time. */
export class Restart extends Base {
  constructor(readonly d: number) { super(); }
  override check(): boolean {
    return true;
  }
  override toString(): string {
    return `Restart(${deviceName(this.d)})`;
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    const old = s.devices[this.d]!;
    const next = await old.restart();
    s.retired.push(old);
    s.devices[this.d] = next;
    next.shiftClock(m.clockMs);
    await next.client.start();
    const dm = m.devices[this.d]!;
    const expected = dm.user === null ? null : s.users[dm.user]!.userId;
    if ((next.client.user?.id ?? null) !== expected) throw new Error(`${this}: restored ${next.client.user?.id ?? 'nobody'}, expected ${userName(dm.user)}: ${describeStatus(next)}`);
    // A session whose refresh token is past its lifetime is routed to refreshExpired at once, the dead token unsent.
    if (dm.dead && next.client.status.session !== 'refreshExpired') throw new Error(`${this}: an expired session restored as ${describeStatus(next)}`);
  }
}

/** Settle: online, every live signed-in device gets in sync (invariant 8 in the middle of a run). */
export class Settle extends Base {
  override check(m: Readonly<SessionModel>): boolean {
    return m.online && m.devices.some((d) => d.user !== null && !d.dead);
  }
  override toString(): string {
    return 'Settle';
  }
  override async act(m: SessionModel, s: Stage): Promise<void> {
    await Promise.all(
      m.devices.map(async (dm, i) => {
        if (dm.user === null || dm.dead) return;
        const device = s.devices[i]!;
        await within(`Settle: ${deviceName(i)} in sync (invariant 8)`, device.client.awaitInSync(), LIVE_MS).catch((error: unknown) => {
          throw new Error(`${String(error instanceof Error ? error.message : error)}; status ${describeStatus(device)}`);
        });
      }),
    );
  }
}

/** Signs the devices in as `signedIn` says (online, before the first command), through the Login command. */
export async function signInAtStart(m: SessionModel, s: Stage, signedIn: ReadonlyArray<number | null>): Promise<void> {
  for (const [d, u] of signedIn.entries()) if (u !== null) await new Login(d, u).run(m, s);
  s.trace.push('|');
}

/** The commands over `devices` devices and `users` users; writes are the most frequent. */
export function commandArbitrary(devices: number, users: number, maxCommands: number, replayPath?: string): fc.Arbitrary<Iterable<Cmd>> {
  const d = fc.integer({ min: 0, max: devices - 1 });
  const u = fc.integer({ min: 0, max: users - 1 });
  const write = fc.tuple(d, fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([i, slot, done]) => new Write(i, slot, done));
  const constraints: fc.CommandsContraints = { maxCommands, size: 'max' };
  if (replayPath !== undefined) constraints.replayPath = replayPath;
  return fc.commands<SessionModel, Stage, false>(
    [
      fc.tuple(d, u).map(([i, user]) => new Login(i, user)),
      fc.tuple(d, u).map(([i, user]) => new Login(i, user)),
      d.map((i) => new Logout(i)),
      write,
      write,
      write,
      fc.constant(new ExpireAccess()),
      fc.constant(new ExpireRefresh()),
      d.map((i) => new RefreshFails(i)),
      fc.constant(new NetworkDown()),
      fc.constant(new NetworkUp()),
      d.map((i) => new Restart(i)),
      fc.constant(new Settle()),
    ],
    constraints,
  );
}

/**
 * Ends a run: the network comes back, every device logs back in as each user whose writes may wait on
 * it (the current user last, so an expired session is logged back in), then the oracle checks the eight
 * invariants and this module checks what the oracle cannot see: devices it excludes (they logged out
 * or were sent to relogin at some point, yet are signed in and live now), the model's documents on the
 * server, and the clients retired by restarts.
 */
export async function settleAndCheck(m: SessionModel, s: Stage): Promise<void> {
  s.scenario.proxy.setMode({ kind: 'pass' });
  m.online = true;
  for (const device of s.devices) device.intercept = null;
  s.trace.push('-- settle: network up, every writer logs back in');

  for (const [i, dm] of m.devices.entries()) {
    const order = [...dm.wrote].filter((u) => u !== dm.user).sort();
    if (dm.user !== null) order.push(dm.user);
    for (const u of order) {
      const device = s.devices[i]!;
      if (dm.user !== u || dm.dead) {
        s.trace.push(`   Login(${deviceName(i)}, u${u})`);
        await within(`settle: ${deviceName(i)} logs in as u${u}`, loginOnline(s, device, s.users[u]!));
        dm.user = u;
        dm.dead = false;
      }
      await within(`settle: ${deviceName(i)} in sync as u${u} (invariant 8)`, device.client.awaitInSync(), LIVE_MS).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}; status ${describeStatus(device)}`);
      });
    }
  }

  const expectRelogin = [...m.everDead].map(deviceName);
  const expectLoggedOut = [...m.everLoggedOut].map(deviceName);
  await s.scenario.checkInvariants({ expectRelogin, expectLoggedOut, liveWithinMs: LIVE_MS });
  await checkBeyondTheOracle(m, s, new Set([...expectRelogin, ...expectLoggedOut]));
}

async function checkBeyondTheOracle(m: SessionModel, s: Stage, excluded: Set<string>): Promise<void> {
  const failures: string[] = [];
  const fail = (invariant: Invariant | 'model', detail: string): void =>
    void failures.push(invariant === 'model' ? `model: ${detail}` : `invariant ${invariant} (${INVARIANTS[invariant]}): ${detail}`);
  const { server } = s.scenario;
  const userIndex = new Map(s.users.map((user, u) => [user.userId, u]));

  // 8 and 2 for the devices the oracle leaves out: signed in and live now, so in sync and equal to the server.
  for (const [i, device] of s.devices.entries()) {
    const userId = device.client.user?.id;
    if (!userId || !excluded.has(device.name) || m.devices[i]!.dead) continue;
    const synced = await within(`${device.name} in sync`, device.client.awaitInSync(), LIVE_MS).then(() => true, () => false);
    if (!synced) {
      fail(8, `${device.name} (signed in again after a logout or relogin) not in sync within ${LIVE_MS} ms: ${describeStatus(device)}`);
      continue;
    }
    const onServer = new Set((await server.readDocuments(userId, 'todo')).filter((d) => !d.deleted).map((d) => String(d.id)));
    const local = new Set((await device.client.collections.todo.find().exec()).map((d) => d.primary));
    const missing = [...onServer].filter((id) => !local.has(id));
    const extra = [...local].filter((id) => !onServer.has(id));
    if (missing.length || extra.length) fail(2, `${device.name} differs from the server: missing ${missing.join(',')}, extra ${extra.join(',')}`);
  }

  // The model's documents: every document a user wrote is on the server (after the settle, none may
  // wait on a device any more), and a user's server documents are only their own.
  for (const [u, docs] of m.docs.entries()) {
    const onServer = await server.readDocuments(s.users[u]!.userId, 'todo');
    const ids = new Set(onServer.map((d) => String(d.id)));
    for (const id of docs.keys()) if (!ids.has(id)) fail(1, `u${u}/${id} was written but is not on the server after every writer logged back in`);
    for (const id of ids) if (!id.startsWith(`u${u}-`)) fail(3, `u${u}'s server documents hold ${id}, written by someone else`);
  }

  // The clients a restart replaced (the oracle sees only the current ones): 3, 4, 5, 6 and 7 over their records.
  for (const device of s.retired) {
    const d = Number(device.name.slice(3));
    for (const request of device.requests) {
      if (request.bearerUser === null) continue;
      const bearer = userIndex.get(request.bearerUser);
      for (const id of request.pushedIds) if (!id.startsWith(`u${bearer}-`)) fail(3, `${device.name} (before a restart) pushed ${id} under u${bearer}'s token`);
    }
    const text = reachableStrings([device.logs, device.inspection, device.statuses, device.events]).join('\n');
    if (/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/.test(text) || text.includes('Bearer ey')) fail(4, `a token appears in the records of ${device.name} (before a restart)`);
    if (device.mostRefreshesInFlight > 1) fail(5, `${device.name} (before a restart) had ${device.mostRefreshesInFlight} refreshes in flight at once`);
    const bad = device.requests.filter((r) => r.kind === 'graphql' && (r.session === 'loggedOut' || r.session === 'refreshExpired'));
    if (bad.length) fail(6, `${device.name} (before a restart) sent ${bad.length} GraphQL requests while ${bad[0]!.session}`);
    const asked = device.events.filter((e) => (e as { event: string }).event === 'reloginRequired');
    if (asked.length && !m.everDead.has(d)) fail(7, `${device.name} (before a restart) was sent to relogin: ${JSON.stringify(asked)}`);
    if (device.statuses.some((st) => st.session === 'loggingOut') && !m.everLoggedOut.has(d)) fail(7, `${device.name} (before a restart) logged out by itself`);
  }

  if (failures.length) throw new Error(`the model's checks found ${failures.length} failure(s):\n- ${failures.join('\n- ')}`);
}
