// The fault suite's stage: the reference server behind a fault proxy, devices (real clients built as an
// app builds them) whose every request, log line, inspection event, status and client event is recorded,
// and one oracle, DESIGN.md's eight invariants, that every scenario ends with.
import { decodeJwt } from 'jose';
import { firstValueFrom, type Subscription } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { ServerOptions, SyncServer } from '../../../examples/server/start-server.ts';
import type { SessionStatus, SyncClientOptions } from '../../../src/index.ts';
import type { RejectedDocument } from '../../../src/sync/rejected-documents.ts';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { appServicesAuth } from '../../../src/auth/app-services-auth.ts';
import { memorySessionStore } from '../../../src/session/memory-session-store.ts';
import {
  createTestUser, startE2EServer, todoClient, uniqueDatabaseName, type TestUser, type TodoClient, type TodoCollections,
} from '../../e2e/support/e2e-client.ts';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.ts';
import { reachableStrings } from '../../helpers/reachable-strings.ts';

/** DESIGN.md's invariants, by number; each scenario names the ones it would catch breaking. */
export const INVARIANTS = {
  1: 'no lost writes',
  2: 'no duplicates, local state converges with the server',
  3: 'custody: a write is pushed only under its author',
  4: 'no token in logs, errors, inspection or anything persisted but the session store',
  5: 'one refresh per expiry',
  6: 'no sync request while loggedOut or refreshExpired',
  7: 'offline is not expired',
  8: 'liveness: sync resumes within a bound once the fault ends',
} as const;

export type Invariant = keyof typeof INVARIANTS;

/** `[invariants 1, 7]`: the tag a scenario's title ends with. */
export const catches = (...invariants: Invariant[]): string => `[invariants ${invariants.join(', ')}]`;

/** One request a device sent over HTTP, with what the device's session said at that moment. */
export interface RecordedRequest {
  at: number;
  url: string;
  method: string;
  /** `client.status.session` when it was sent. */
  session: SessionStatus['session'];
  /** The `sub` of the bearer token it carried, if any. */
  bearerUser: string | null;
  /** Ids of the documents a push carried (empty for other requests). */
  pushedIds: string[];
  kind: 'graphql' | 'login' | 'refresh' | 'logout' | 'other';
  status: number | 'failed' | 'pending';
}

type TodoDoc = { id: string; title: string; done: boolean };

/** A device: one client, its records, and the writes its users made on it. */
export interface Device {
  readonly name: string;
  readonly client: TodoClient;
  readonly requests: RecordedRequest[];
  readonly logs: unknown[];
  readonly inspection: InspectionEvent[];
  readonly statuses: SessionStatus[];
  readonly events: unknown[];
  /** Shifts this device's clock (a laptop that slept, a clock set wrong). */
  shiftClock(ms: number): void;
  /** Logs `user` in (recording who is signed in, for custody). */
  login(user: TestUser): Promise<void>;
  /** Writes (inserts or updates) a todo as the signed-in user; the oracle expects it on the server. */
  write(doc: TodoDoc): Promise<void>;
  /**
   * Answers this device's HTTP requests in place of the server when it returns a Response (a 429
   * storm, a 200 with UNAUTHENTICATED, a refresh answered late); undefined lets the request through.
   * Intercepted requests are recorded like the others.
   */
  intercept: ((request: { url: string; method: string; kind: RecordedRequest['kind']; body: unknown; signal: AbortSignal | undefined }) => Response | undefined | Promise<Response | undefined>) | null;
  /** Refresh requests in flight at once, at most (a stampede shows as 2 or more). */
  readonly mostRefreshesInFlight: number;
  /** Stops the client, keeping its storage and session store for a restart. */
  close(): Promise<void>;
  /** A new client on this device's storage and session store (an app restart). */
  restart(overrides?: Partial<SyncClientOptions<TodoCollections>>): Promise<Device>;
}

export interface ScenarioOptions {
  server?: ServerOptions;
}

/** The stage of one scenario. Close it in `afterEach`. */
export interface Scenario {
  readonly server: SyncServer;
  readonly proxy: FaultProxy;
  readonly devices: Device[];
  /** A new user of the server. */
  user(): Promise<TestUser>;
  /** A device whose client talks to the server through the proxy. */
  device(name: string, overrides?: Partial<SyncClientOptions<TodoCollections>>): Device;
  /**
   * The oracle: checks every invariant over everything recorded, after waiting (at most `liveWithinMs`,
   * invariant 8) for every signed-in device to be in sync. `expectRelogin` lists the devices an auth
   * fault legitimately sent to refreshExpired; `maxRefreshes` bounds refreshes per device (invariant 5).
   */
  checkInvariants(opts?: OracleOptions): Promise<void>;
  close(): Promise<void>;
}

export interface OracleOptions {
  liveWithinMs?: number;
  expectRelogin?: string[];
  /** Devices expected logged out at the end (their unsynced writes stay local, counted as kept). */
  expectLoggedOut?: string[];
  maxRefreshes?: Record<string, number>;
  /** Documents the server refused on purpose: `deviceName/docId`; they must be listed as rejected. */
  expectRejected?: string[];
}

/** Starts the reference server (PGlite; PostgreSQL when TEST_DATABASE_URL is set) behind a fault proxy. */
export async function startScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const server = await startE2EServer({ scryptCost: 2, ...options.server });
  const proxy = await startFaultProxy(server.port);
  return createScenario(server, proxy);
}

function createScenario(server: SyncServer, proxy: FaultProxy): Scenario {
  const devices: Device[] = [];
  // Every token the server handed out, read off the wire: the needles of invariant 4.
  const tokens = new Set<string>();
  // Per user: the last state each document was written in, on any device (invariant 1).
  const written = new Map<string, Map<string, TodoDoc>>();
  const resolvedInConflict = new Set<string>();
  // Clients replaced by a restart: their records still count for invariants 3 to 7.
  const retired: Device[] = [];
  // Per user and document: the device of its last write (a device sent to relogin or logged out keeps it).
  const lastWriter = new Map<string, Map<string, string>>();
  const via = (url: string): string => url.replace(server.httpUrl, proxy.origin).replace(`ws://127.0.0.1:${server.port}`, proxy.origin.replace('http', 'ws'));

  const scenario: Scenario = {
    server,
    proxy,
    devices,
    user: () => createTestUser(server),
    device(name, overrides = {}) {
      return openDevice(name, overrides, { storage: getRxStorageMemory(), sessionStore: memorySessionStore(), databaseName: uniqueDatabaseName() });
    },
    async checkInvariants(opts = {}) {
      await checkAll(opts);
    },
    async close() {
      for (const device of devices) await device.close().catch(() => undefined);
      await proxy.close();
      await server.close();
    },
  };

  function openDevice(
    name: string,
    overrides: Partial<SyncClientOptions<TodoCollections>>,
    kept: { storage: NonNullable<SyncClientOptions['storage']>; sessionStore: NonNullable<SyncClientOptions['sessionStore']>; databaseName: string },
  ): Device {
    const requests: RecordedRequest[] = [];
    const logs: unknown[] = [];
    const inspection: InspectionEvent[] = [];
    const statuses: SessionStatus[] = [];
    const events: unknown[] = [];
    let offsetMs = 0;
    let inFlightRefreshes = 0;
    let mostRefreshesInFlight = 0;
    let client!: TodoClient;
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = init?.method ?? 'GET';
      const kind = kindOf(url, method);
      const headers = new Headers(init?.headers);
      const bearer = headers.get('authorization')?.replace(/^Bearer /, '') ?? null;
      const request: RecordedRequest = {
        at: Date.now(), url, method, kind, status: 'pending',
        session: client ? client.status.session : 'restoring',
        bearerUser: bearer ? subOf(bearer) : null,
        pushedIds: kind === 'graphql' && typeof init?.body === 'string' ? pushedIdsOf(init.body) : [],
      };
      requests.push(request);
      if (kind === 'refresh') mostRefreshesInFlight = Math.max(mostRefreshesInFlight, ++inFlightRefreshes);
      try {
        const faked = await device.intercept?.({ url, method, kind, body: init?.body, signal: init?.signal ?? undefined });
        const response = faked ?? (await fetch(input, init));
        request.status = response.status;
        if (kind === 'login' || kind === 'refresh') void collectTokens(response.clone());
        return response;
      } catch (error) {
        request.status = 'failed';
        throw error;
      } finally {
        if (kind === 'refresh') inFlightRefreshes -= 1;
      }
    };
    const log = (level: string) => (message: string, data?: unknown) => void logs.push({ level, message, data });
    client = todoClient(server, {
      ...kept,
      auth: appServicesAuth({ baseUrl: via(server.authUrl), appId: server.appId }),
      fetch: recordingFetch,
      clock: { now: () => Date.now() + offsetMs },
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      inspect: (event) => void inspection.push(event),
      ...overrides,
      graphql: { url: via(server.graphqlUrl), wsUrl: via(server.wsUrl), ...overrides.graphql },
    });
    const subscriptions: Subscription[] = [
      client.status$.subscribe((status) => statuses.push(status)),
      // A write that lost a conflict was resolved by the collection's handler, not lost: the oracle accepts it.
      client.conflicts$.subscribe(({ output }) => {
        const id = (output as { id?: unknown } | null)?.id;
        if (typeof id === 'string') resolvedInConflict.add(id);
      }),
    ];
    for (const event of ['reloginRequired', 'loggedIn', 'loggedOut', 'refreshed', 'sessionChanged'] as const) {
      client.on(event, (payload) => void events.push({ event, payload }));
    }
    let signedInAs: string | null = null; // set by login(); after a restart the restored user
    const device: Device = {
      name,
      client,
      requests,
      logs,
      inspection,
      statuses,
      events,
      intercept: null,
      get mostRefreshesInFlight() {
        return mostRefreshesInFlight;
      },
      shiftClock: (ms) => void (offsetMs += ms),
      async login(user) {
        await client.start();
        await client.login({ username: user.username, password: user.password });
        signedInAs = user.userId;
      },
      async write(doc) {
        const userId = signedInAs ?? client.user?.id;
        if (!userId) throw new Error(`${name}: write without a signed-in user`);
        await client.collections.todo.upsert(doc);
        const mine = written.get(userId) ?? new Map<string, TodoDoc>();
        mine.set(doc.id, { ...doc });
        written.set(userId, mine);
        const writers = lastWriter.get(userId) ?? new Map<string, string>();
        writers.set(doc.id, name);
        lastWriter.set(userId, writers);
      },
      async close() {
        for (const s of subscriptions) s.unsubscribe();
        await client.close();
      },
      async restart(more = {}) {
        await device.close();
        const index = devices.indexOf(device);
        devices.splice(index, 1);
        retired.push(device);
        const next = openDevice(name, { ...overrides, ...more }, kept);
        // The same person on the same device: the session store says who, the oracle keeps the writes.
        return next;
      },
    };
    devices.push(device);
    return device;
  }

  async function collectTokens(response: Response): Promise<void> {
    try {
      const body = (await response.json()) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token']) if (typeof body[key] === 'string') tokens.add(body[key] as string);
    } catch {
      // Not JSON: no token in it.
    }
  }

  async function checkAll(opts: OracleOptions): Promise<void> {
    const failures: string[] = [];
    const fail = (invariant: Invariant, detail: string): void => void failures.push(`invariant ${invariant} (${INVARIANTS[invariant]}): ${detail}`);
    const liveWithinMs = opts.liveWithinMs ?? 20_000;
    const relogin = new Set(opts.expectRelogin ?? []);
    const loggedOut = new Set(opts.expectLoggedOut ?? []);

    // 8. Liveness: every device that should be syncing gets in sync within the bound.
    const syncing = devices.filter((d) => !relogin.has(d.name) && !loggedOut.has(d.name) && d.client.user !== null);
    await Promise.all(
      syncing.map(async (device) => {
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), liveWithinMs));
        const outcome = await Promise.race([device.client.awaitInSync().then(() => 'ok' as const, (e: unknown) => e), timer]);
        if (outcome === 'timeout') fail(8, `${device.name} not in sync ${liveWithinMs} ms after the fault ended (status ${JSON.stringify(device.client.status)})`);
        else if (outcome !== 'ok') fail(8, `${device.name}: awaitInSync rejected: ${String(outcome)}`);
      }),
    );

    // 1 and 2. Every last write of every user is on the server, once, as written, or listed as refused;
    // each syncing device's local documents equal the server's.
    for (const [userId, docs] of written) {
      const onServer = await server.readDocuments(userId, 'todo');
      const counts = new Map<string, number>();
      for (const doc of onServer) counts.set(String(doc.id), (counts.get(String(doc.id)) ?? 0) + 1);
      for (const [id, n] of counts) if (n > 1) fail(2, `${id} is on the server ${n} times for ${userId}`);
      const rejected = new Set<string>();
      for (const device of devices) {
        if (device.client.user?.id !== userId) continue;
        const list: RejectedDocument[] = await firstValueFrom(device.client.rejected$).catch(() => []);
        for (const r of list) rejected.add(r.documentId);
      }
      for (const [id, doc] of docs) {
        // Written on a device the scenario sent to relogin or logged out: it legitimately stays there.
        const writer = lastWriter.get(userId)?.get(id);
        const keptLocally = writer !== undefined && (relogin.has(writer) || loggedOut.has(writer));
        const server = onServer.find((d) => String(d.id) === id);
        const same = server && server['title'] === doc.title && server['done'] === doc.done;
        if (same || rejected.has(id) || keptLocally || resolvedInConflict.has(id)) continue;
        // A newer write of the same document on another device may have won; the server must then hold that one.
        fail(1, `${userId}/${id}: written ${JSON.stringify(doc)}, server has ${server ? JSON.stringify(server) : 'nothing'}, not listed as refused`);
      }
    }
    // Only when a scenario passes expectRejected: each such document must be listed as rejected on its device.
    const expectedRejected = new Set(opts.expectRejected ?? []);
    for (const key of expectedRejected) {
      const [deviceName, ...rest] = key.split('/');
      const device = devices.find((d) => d.name === deviceName);
      const list: RejectedDocument[] = device ? await firstValueFrom(device.client.rejected$).catch(() => []) : [];
      if (!list.some((r) => r.documentId === rest.join('/'))) fail(1, `${key} was expected refused and listed as rejected, and is not`);
    }
    // Another device's last push reaches this one through its stream a moment after this one was in
    // sync: convergence is waited for, within the liveness bound, and compared field by field.
    const convergedBy = Date.now() + liveWithinMs;
    for (const device of syncing) {
      const userId = device.client.user!.id;
      let difference = '';
      do {
        const onServer = (await server.readDocuments(userId, 'todo')).filter((d) => !d['deleted']);
        const local = new Map((await device.client.collections.todo.find().exec()).map((d) => [d.primary, d.toJSON() as Record<string, unknown>]));
        const missing = onServer.filter((d) => !local.has(String(d.id))).map((d) => String(d.id));
        const differing = onServer.filter((d) => {
          const mine = local.get(String(d.id));
          return mine !== undefined && (mine['title'] !== d['title'] || mine['done'] !== d['done']);
        }).map((d) => String(d.id));
        const serverIds = new Set(onServer.map((d) => String(d.id)));
        // A document the scenario expects refused stays on its device, set aside: not an extra.
        const extra = [...local.keys()].filter((id) => !serverIds.has(id) && !expectedRejected.has(`${device.name}/${id}`));
        difference = missing.length || extra.length || differing.length
          ? `missing ${missing.slice(0, 5)}, extra ${extra.slice(0, 5)}, different ${differing.slice(0, 5)}`
          : '';
        if (difference) await new Promise((resolve) => setTimeout(resolve, 50));
      } while (difference && Date.now() < convergedBy);
      if (difference) fail(2, `${device.name} differs from the server: ${difference}`);
    }

    // 3. Custody: a push carries only documents its bearer wrote.
    for (const device of [...devices, ...retired]) {
      for (const request of device.requests) {
        if (request.pushedIds.length === 0 || request.bearerUser === null) continue;
        const own = written.get(request.bearerUser);
        for (const id of request.pushedIds) {
          const author = [...written].find(([, docs]) => docs.has(id))?.[0];
          if (author !== undefined && author !== request.bearerUser && !own?.has(id)) {
            fail(3, `${device.name} pushed ${id} (written by ${author}) under ${request.bearerUser}'s token`);
          }
        }
      }
    }

    // 4. No token anywhere it must not be.
    const signatures = [...tokens].map((t) => t.split('.')[2] ?? t).filter((s) => s.length >= 16);
    for (const device of [...devices, ...retired]) {
      const haystacks: Array<[string, string]> = [
        ['logs', reachableStrings(device.logs).join('\n')],
        ['inspection events', reachableStrings(device.inspection).join('\n')],
        ['statuses and client events', reachableStrings([device.statuses, device.events]).join('\n')],
      ];
      for (const [where, text] of haystacks) {
        for (const signature of signatures) if (text.includes(signature)) fail(4, `a token appears in ${device.name}'s ${where}`);
        if (text.includes('Bearer ey')) fail(4, `a bearer header appears in ${device.name}'s ${where}`);
      }
    }

    // 5. One refresh per expiry: never two refresh requests at once, and no more than the scenario allows.
    for (const device of [...devices, ...retired]) {
      if (device.mostRefreshesInFlight > 1) fail(5, `${device.name} had ${device.mostRefreshesInFlight} refresh requests in flight at once`);
      const bound = opts.maxRefreshes?.[device.name];
      const sent = device.requests.filter((r) => r.kind === 'refresh').length;
      if (bound !== undefined && sent > bound) fail(5, `${device.name} sent ${sent} refresh requests, at most ${bound} expected`);
    }

    // 6. No sync request while loggedOut or refreshExpired.
    for (const device of [...devices, ...retired]) {
      const bad = device.requests.filter((r) => r.kind === 'graphql' && (r.session === 'loggedOut' || r.session === 'refreshExpired'));
      if (bad.length) fail(6, `${device.name} sent ${bad.length} GraphQL requests while ${bad[0]!.session}`);
    }

    // 7. Offline is not expired: only an auth fault may ask for a relogin, and nothing logs out by itself.
    for (const device of [...devices, ...retired]) {
      const asked = device.events.filter((e) => (e as { event: string }).event === 'reloginRequired');
      if (asked.length && !relogin.has(device.name)) fail(7, `${device.name} was sent to relogin: ${JSON.stringify(asked)}`);
      const wentOut = device.statuses.some((s) => s.session === 'loggingOut');
      if (wentOut && !loggedOut.has(device.name)) fail(7, `${device.name} was logged out, and the scenario logs nobody out`);
    }

    if (failures.length) throw new Error(`the oracle found ${failures.length} broken invariant(s):\n- ${failures.join('\n- ')}`);
  }

  return scenario;
}

function kindOf(url: string, method: string): RecordedRequest['kind'] {
  if (url.includes('/graphql')) return 'graphql';
  if (url.endsWith('/auth/session')) return method === 'DELETE' ? 'logout' : 'refresh';
  if (url.includes('/login')) return 'login';
  return 'other';
}

function subOf(token: string): string | null {
  try {
    const sub = decodeJwt(token).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

// The ids in a push mutation's rows (`newDocumentState.id`).
function pushedIdsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { query?: string; variables?: Record<string, unknown> };
    if (!parsed.query?.includes('mutation')) return [];
    const rows = Object.values(parsed.variables ?? {}).find(Array.isArray) as Array<{ newDocumentState?: { id?: unknown } }> | undefined;
    return (rows ?? []).map((row) => String(row.newDocumentState?.id ?? '')).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A scenario on a server the caller started (one it restarts on the same data and port, or a switch in
 * front of two processes on one database): the proxy forwards to `server.port`, and closing the scenario
 * closes `server`. For everything else, use {@link startScenario}.
 */
export async function startScenarioOn(server: SyncServer): Promise<Scenario> {
  const proxy = await startFaultProxy(server.port);
  return createScenario(server, proxy);
}
