// One device of the demo: a session-sync client built the way an app builds it (public API, defaults,
// no tuning options), and what it tells the timeline as things happen.
import type { RxJsonSchema } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, map, throwError, timeout, type Observable } from 'rxjs';
import {
  appServicesAuth,
  createSyncClient,
  type ReloginInfo,
  type SessionStatus,
  type SyncClient,
  type SyncClientOptions,
  type SyncCollectionOptions,
} from '../../src/index.ts';
import type { Timeline } from './timeline.ts';

/** A todo as the devices write it (`updatedAt` is set by the server). */
export interface Todo {
  id: string;
  title: string;
  done: boolean;
  updatedAt?: number;
}

/** The reference server's `todo` collection as a device keeps it. */
export const todoSchema: RxJsonSchema<Todo> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 200 },
    title: { type: 'string' },
    done: { type: 'boolean' },
    updatedAt: { type: 'number' },
  },
  required: ['id', 'title', 'done'],
};

export type TodoCollections = { todo: SyncCollectionOptions<Todo> };

/** Where the devices find the server (its port stays the same across a restart). */
export interface Endpoints {
  authUrl: string;
  appId: string;
  graphqlUrl: string;
  wsUrl: string;
}

/** A device of the demo and what it counted. */
export interface Device {
  readonly name: 'phone' | 'laptop';
  readonly client: SyncClient<TodoCollections>;
  /** Ids of every todo written on this device, in order. */
  readonly written: string[];
  readonly refreshes: number;
  readonly relogins: number;
  /** What `onReloginRequired` was told, each time it was called. */
  readonly prompts: ReloginInfo[];
  /** Logs the user in (a relogin when the session is in `refreshExpired`). */
  login(): Promise<void>;
  /** Writes `count` new todos, ids `<device>-<label>-<n>`; resolves with their ids. */
  write(label: string, count: number): Promise<string[]>;
  /** Ids of the todos on this device, sorted. */
  ids(): Promise<string[]>;
  /** Resolves once every one of `ids` is on this device; rejects after `ms`. */
  receive(ids: string[], what: string, ms?: number): Promise<void>;
  /** The first status that passes `predicate`; rejects after `ms`. */
  until(predicate: (s: SessionStatus) => boolean, what: string, ms?: number): Promise<SessionStatus>;
  close(): Promise<void>;
}

/** Options of {@link createDevice}. */
export interface DeviceOptions {
  name: 'phone' | 'laptop';
  endpoints: Endpoints;
  credentials: { username: string; password: string };
  timeline: Timeline;
  /** An XState inspector (`--inspect`). */
  inspect?: SyncClientOptions<TodoCollections>['inspect'];
  /** How long a wait may take before the demo gives up. */
  waitMs: number;
}

/**
 * Creates a device: a client on RxDB memory storage with its own database name, watched by the timeline.
 *
 * @example
 * const phone = createDevice({ name: 'phone', endpoints, credentials, timeline, waitMs: 30_000 });
 * await phone.client.start();
 * await phone.login();
 */
export function createDevice(options: DeviceOptions): Device {
  const { name, endpoints, credentials, timeline, waitMs } = options;
  const say = (text: string, tone?: Parameters<Timeline['line']>[2]): void => timeline.line(name, text, tone);
  const prompts: ReloginInfo[] = [];
  const written: string[] = [];
  let refreshes = 0;
  let relogins = 0;

  const client = createSyncClient<TodoCollections>({
    auth: appServicesAuth({ baseUrl: endpoints.authUrl, appId: endpoints.appId }),
    graphql: { url: endpoints.graphqlUrl, wsUrl: endpoints.wsUrl },
    storage: getRxStorageMemory(),
    // Both devices live in this one process: each needs a database name of its own.
    databaseName: `demo-${name}`,
    collections: { todo: { schema: todoSchema } },
    onReloginRequired: (info) => {
      prompts.push(info);
      const waiting = info.pendingWrites['todo']?.count ?? 0;
      say(`onReloginRequired (${info.reason}): ${waiting} ${plural(waiting, 'write')} waiting; the app asks the user to log in again`, 'warn');
    },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });

  // A refresh is one line (`refreshing` → `refreshed` → `active`), unless it fails.
  let refresh: { expiresAt: number | null; failed: boolean } = { expiresAt: null, failed: false };
  let quiet = false;
  client.on('refreshed', ({ accessExpiresAt }) => {
    refreshes += 1;
    if (quiet) return;
    const now = Date.now();
    const old = refresh.expiresAt;
    const valid = `a new access token, good for ${seconds(accessExpiresAt - now)}`;
    if (refresh.failed) {
      const late = old !== null && old < now ? `, ${seconds(now - old)} after the old token expired` : '';
      say(`refreshed once the server answered again${late}: ${valid}`, 'good');
    } else if (old !== null && old > now) {
      // Routine: dimmed, so the story's other lines stand out.
      say(`refreshed (proactive, ${seconds(old - now)} before the old token expired): ${valid}; sync kept running`, 'dim');
    } else {
      say(`refreshed: ${valid}`, 'good');
    }
  });

  let last: SessionStatus | undefined;
  client.status$.subscribe((s) => {
    if (quiet) return;
    if (s.session !== last?.session) {
      if (s.session === 'refreshing') refresh = { expiresAt: s.accessExpiresAt, failed: false };
      const quietRefresh = s.session === 'refreshing' || (s.session === 'active' && last?.session === 'refreshing');
      if (!quietRefresh) say(describeSession(s), sessionTone(s));
    }
    if (s.sync !== last?.sync && !(s.sync === 'off' && last === undefined)) say(describeSync(s), syncTone(s));
    const failure = s.session === 'refreshing' ? s.lastError : null;
    if (failure) refresh.failed = true;
    if (failure && (failure.code !== last?.lastError?.code || last?.session !== 'refreshing')) {
      const left = s.accessExpiresAt === null ? 0 : s.accessExpiresAt - Date.now();
      const token = left > 0 ? `the access token still has ${seconds(left)}` : 'the access token has expired';
      say(`refresh failed: ${failure.code} (${failure.kind}); ${token}, still signed in, retrying with backoff`, 'warn');
    }
    last = s;
  });

  const until = (predicate: (s: SessionStatus) => boolean, what: string, ms = waitMs): Promise<SessionStatus> =>
    waitFor(client.status$, predicate, `${name}: ${what} (last status: session ${client.status.session}, sync ${client.status.sync})`, ms);

  return {
    name,
    client,
    written,
    prompts,
    get refreshes() {
      return refreshes;
    },
    get relogins() {
      return relogins;
    },
    async login() {
      const relogin = client.status.session === 'refreshExpired';
      await client.login(credentials);
      if (relogin) relogins += 1;
    },
    async write(label, count) {
      const docs = Array.from({ length: count }, (_, i) => ({
        id: `${name}-${label}-${i + 1}`,
        title: `${label} todo ${i + 1} from the ${name}`,
        done: false,
      }));
      await client.collections.todo.bulkInsert(docs);
      written.push(...docs.map((d) => d.id));
      return docs.map((d) => d.id);
    },
    async ids() {
      const docs = await client.collections.todo.find().exec();
      return docs.map((d) => d.id).sort();
    },
    async receive(ids, what, ms = waitMs) {
      const collection = client.collections.todo;
      const count$ = collection.count({ selector: { id: { $in: ids } } }).$.pipe(map((n) => n as number));
      await waitFor(count$, (n) => n === ids.length, `${name}: ${what}`, ms);
    },
    until,
    close() {
      quiet = true;
      return client.close();
    },
  };
}

/** The first value of `source` that passes `predicate`; rejects after `ms`, naming what it waited for. */
export function waitFor<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string, ms: number): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({ first: ms, with: () => throwError(() => new Error(`timed out after ${seconds(ms)} waiting for ${what}`)) }),
    ),
  );
}

/** Re-checks `check` (state with no events of its own) until it holds; rejects after `ms`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds(ms)} waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function describeSession(s: SessionStatus): string {
  const left = s.accessExpiresAt === null ? 0 : s.accessExpiresAt - Date.now();
  switch (s.session) {
    case 'active':
      return `session active: access token good for ${seconds(left)}`;
    case 'refreshing':
      return left > 0
        ? `session refreshing (proactive: the token still has ${seconds(left)}; sync keeps running)`
        : 'session refreshing (the access token has expired)';
    case 'refreshExpired':
      return `session refreshExpired (${s.reloginReason ?? 'unknown'}): sync pauses, writes keep queueing`;
    case 'restoring':
      return 'session restoring (nothing stored yet)';
    default:
      return `session ${s.session}`;
  }
}

function sessionTone(s: SessionStatus): 'good' | 'warn' | 'dim' | 'plain' {
  if (s.session === 'active') return 'good';
  if (s.session === 'refreshExpired') return 'warn';
  if (s.session === 'restoring') return 'dim';
  return 'plain';
}

function describeSync(s: SessionStatus): string {
  switch (s.sync) {
    case 'offline':
      return `sync offline (${s.syncError?.code ?? 'NETWORK'}: server unreachable); writes stay on the device, retrying`;
    case 'paused':
      return 'sync paused: nothing is sent until the user logs in again';
    case 'error':
    case 'stalled':
      return `sync ${s.sync}: ${s.syncError?.message ?? 'no detail'}`;
    default:
      return `sync ${s.sync}`;
  }
}

function syncTone(s: SessionStatus): 'good' | 'warn' | 'bad' | 'dim' {
  if (s.sync === 'running') return 'good';
  if (s.sync === 'offline' || s.sync === 'paused') return 'warn';
  if (s.sync === 'off') return 'dim';
  return 'bad';
}

/** `1.5 s` */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** `1 write`, `2 writes` */
export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
