import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import type { SessionStatus } from '../../src/client/session-status.ts';
import { fileSessionStore } from '../../src/session/file-session-store.ts';
import { localStorageSessionStore, type StorageLike } from '../../src/session/local-storage-session-store.ts';
import type { SessionStore } from '../../src/session/session-store.ts';
import { createFakeAuth } from './fake-auth.ts';
import { startGraphQLTestServer, type GraphQLTestServer } from './graphql-test-server.ts';

// Every string reachable from a value: own properties, prototype getters are skipped, cycles cut.
function strings(value: unknown, out: string[] = [], seen = new WeakSet<object>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'function') return out;
  else if (typeof value === 'object' && value !== null) {
    if (seen.has(value)) return out;
    seen.add(value);
    if (value instanceof Error) out.push(value.message, String(value.stack), String(value));
    if (value instanceof Map) for (const [k, v] of value) strings([k, v], out, seen);
    if (value instanceof Set) for (const v of value) strings(v, out, seen);
    for (const key of Reflect.ownKeys(value)) {
      try {
        strings((value as Record<PropertyKey, unknown>)[key], out, seen);
      } catch {
        // A throwing getter holds nothing we could leak.
      }
    }
  }
  return out;
}

const statusIs = (client: SyncClient, session: SessionStatus['session']) =>
  firstValueFrom(client.status$.pipe(filter((s) => s.session === session)));

describe('canary tokens', () => {
  let server: GraphQLTestServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appear only in the session store after a whole lifecycle', async () => {
    const fake = await createFakeAuth({ canary: 'CANARY' });
    server = await startGraphQLTestServer(fake.acceptsAccess);
    dir = await mkdtemp(join(tmpdir(), 'session-sync-canary-'));
    const storage = new Map<string, string>();
    const storageLike: StorageLike = {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    };
    const file = fileSessionStore({ path: join(dir, 'session.json') });
    const local = localStorageSessionStore({ key: 'app.session', storage: storageLike });
    const storeSnapshots: string[] = [];
    const store: SessionStore = {
      load: () => file.load(),
      save: async (s) => {
        await Promise.all([file.save(s), local.save(s)]);
        storeSnapshots.push(await readFile(join(dir!, 'session.json'), 'utf8'));
      },
      clear: async () => void (await Promise.all([file.clear(), local.clear()])),
    };

    const collected: unknown[] = [];
    const inspection: InspectionEvent[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (msg: string, data?: object) => void collected.push({ level, msg, data })]),
    ) as unknown as import('../../src/platform/logger.ts').Logger;
    const window = new EventTarget();
    const client = createSyncClient({
      auth: fake.auth,
      graphql: { url: server.url },
      sessionStore: store,
      logger,
      random: () => 1,
      inspect: (event) => void inspection.push(event),
      wakeSignals: { target: { window } },
      onReloginRequired: (info) => void collected.push(info),
    });
    for (const name of ['reloginRequired', 'sessionChanged', 'refreshed', 'loggedIn', 'loggedOut'] as const) {
      client.on(name, (payload) => void collected.push(payload));
    }
    client.status$.subscribe((s) => void collected.push(s));
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        collected.push(await fn());
      } catch (error) {
        collected.push(error, JSON.stringify(error), String(error), (error as Error).cause);
      }
    };

    // The lifecycle: failed login, login, request, forced and reactive refresh, offline, recovery,
    // revoked refresh token, relogin, logout, restart from the stored session, close.
    await attempt(() => client.login({ username: 'ann', password: 'wrong' }));
    await attempt(() => client.login({ username: 'ann', password: 'pw' }));
    await attempt(() => client.graphql.request('{ me { id } }'));
    await attempt(() => client.refreshCustomData());
    fake.state.rejectedAccess.add(fake.state.lastAccess);
    await attempt(() => client.graphql.request('{ me { id } }', { note: 'hello' }));
    fake.state.offline = true;
    await attempt(() => client.refreshCustomData());
    await attempt(() => client.getValidAccessToken().then(() => 'served'));
    fake.state.offline = false;
    window.dispatchEvent(new Event('online'));
    await statusIs(client, 'active');
    fake.state.revokedRefresh.add(fake.state.lastRefresh);
    await attempt(() => client.refreshCustomData());
    await attempt(() => client.getValidAccessToken());
    await attempt(() => client.graphql.request('{ me { id } }'));
    await attempt(() => client.login({ username: 'ann', password: 'pw' }));
    collected.push(client.user, client.status, client.actor.getSnapshot(), client.actor.getPersistedSnapshot());
    await attempt(() => client.logout());
    await attempt(() => client.login({ username: 'ann', password: 'pw' }));
    await client.close();
    const restarted = createSyncClient({ auth: fake.auth, sessionStore: store, logger, wakeSignals: false, inspect: (e) => void inspection.push(e) });
    await attempt(() => restarted.start());
    collected.push(restarted.user, restarted.actor.getPersistedSnapshot());
    await restarted.close();

    const secrets = fake.state.tokensIssued;
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    // Positive control: the scan does find them where they are supposed to be.
    const storeText = storeSnapshots.join('\n');
    expect(secrets.every((t) => storeText.includes(t))).toBe(true);
    expect(fake.state.tokensIssued.some((t) => storage.get('app.session')?.includes(t))).toBe(true);

    const haystacks: Array<[string, string]> = [
      ['inspection', strings(inspection).join('\n')],
      ['inspection JSON', inspection.map((e) => { try { return JSON.stringify(e); } catch { return ''; } }).join('\n')],
      ['logs, errors, events, status', strings(collected).join('\n')],
      ['other localStorage keys', [...storage].filter(([k]) => k !== 'app.session').flat().join('\n')],
    ];
    for (const name of await readdir(dir)) {
      if (name !== 'session.json') haystacks.push([`file ${name}`, await readFile(join(dir, name), 'utf8')]);
    }
    expect(inspection.length).toBeGreaterThan(50);
    expect(collected.length).toBeGreaterThan(30);
    for (const [where, text] of haystacks) {
      for (const token of secrets) {
        const signature = token.split('.')[2]!;
        expect(text.includes(signature), `a token leaked into ${where}`).toBe(false);
      }
      expect(text.includes('Bearer ey'), `a bearer header leaked into ${where}`).toBe(false);
    }
  });
});
