/**
 * `npm run demo`: the whole story of session-sync in half a minute, on the library's defaults.
 *
 * The reference server runs in this process (PGlite, its data in a temporary directory) with short
 * token lifetimes, and two devices of one user (a phone and a laptop, each a `createSyncClient` with
 * its own RxDB memory database) go through: login; sync both ways through the live stream; a
 * proactive refresh; the server going away and coming back (offline is not expired); the refresh
 * token expiring (`refreshExpired`, `onReloginRequired`); writes while paused; relogin; the backlog
 * pushed and received by the other device. The summary checks every write against the server and
 * the exit code says whether anything was lost or doubled.
 *
 *   npm run demo
 *   npm run demo -- --access-ttl 3 --refresh-ttl 20 --docs 3
 *   npm run demo -- --inspect          # stream both statecharts to the Stately inspector (127.0.0.1 relay)
 *   npm run demo -- --help
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createWebSocketInspector } from '@statelyai/inspect';
import { startServer, type SyncServer } from '../server/start-server.ts';
import type { ServerStats } from '../server/stats.ts';
import { startInspectorRelay, type InspectorRelay } from '../devtools/inspector-relay.ts';
import { createDevice, plural, seconds, waitUntil, type Device, type Endpoints } from './device.ts';
import { demoDataDir } from './server-data.ts';
import { createTimeline, type Timeline } from './timeline.ts';

const USAGE = `usage: npm run demo -- [options]
  --access-ttl <sec>    access token lifetime on the server (default 4)
  --refresh-ttl <sec>   refresh token lifetime on the server (default 24): when the relogin is needed
  --docs <n>            todos each device writes at each step (default 10)
  --inspect             stream both session statecharts to the Stately inspector through a relay on 127.0.0.1
                        (the viewer page embeds https://stately.ai/inspect: it needs internet); stays up
                        after the story until Ctrl-C
  --inspect-port <n>    the relay's port (default: a free one)
  --wait <sec>          longest wait for any one step before the demo gives up (default 30)
  -h, --help            this text
Colours on a terminal; NO_COLOR=1 turns them off.`;

interface DemoOptions {
  accessTtl: number;
  refreshTtl: number;
  docs: number;
  inspect: boolean;
  inspectPort: number;
  waitMs: number;
}

class UsageError extends Error {}

function readOptions(argv: string[]): DemoOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'access-ttl': { type: 'string' }, 'refresh-ttl': { type: 'string' }, docs: { type: 'string' },
        inspect: { type: 'boolean' }, 'inspect-port': { type: 'string' }, wait: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const int = (flag: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const options: DemoOptions = {
    accessTtl: int('access-ttl', values['access-ttl'], 4, 2),
    refreshTtl: int('refresh-ttl', values['refresh-ttl'], 24, 1),
    docs: int('docs', values.docs, 10, 1),
    inspect: values.inspect ?? false,
    inspectPort: int('inspect-port', values['inspect-port'], 0, 0),
    waitMs: int('wait', values.wait, 30, 1) * 1000,
  };
  // Login, two-way sync, one refresh, an outage across an expiry and the recovery all happen before
  // the refresh token runs out. The recovery waits for sync's next retry, whose backoff doubles
  // while the server is down (0.5 s, 1 s, 2 s, 4 s, 8 s…): allow for that.
  const needed = 4 * options.accessTtl + 8;
  if (options.refreshTtl < needed) {
    throw new UsageError(`--refresh-ttl must be at least 4 × access-ttl + 8 = ${needed} s, so that the refresh token outlives the first part of the story`);
  }
  return options;
}

const credentials = { username: 'ada@example.com', password: 'correct horse battery' };

/** Everything that ran, for the summary. */
interface Run {
  devices: Device[];
  userId: string;
  serverStats: ServerStats[];
}

async function story(t: Timeline, options: DemoOptions, server: { current: SyncServer; restart(): Promise<void> }, run: Run): Promise<void> {
  const [phone, laptop] = run.devices as [Device, Device];
  const n = options.docs;

  t.step('Log in on both devices', 'Each device is a createSyncClient with its own local database; the user is the same.');
  for (const device of run.devices) {
    await device.client.start();
    await device.login();
  }
  await Promise.all(run.devices.map((d) => d.until((s) => s.sync === 'running', 'sync running')));
  await Promise.all(run.devices.map((d) => d.client.awaitInSync()));

  t.step('Both devices write; the live stream brings each write to the other',
    'No polling is configured: a change reaches the other device over the websocket stream.');
  let started = Date.now();
  const fromPhone = await phone.write('first', n);
  t.line('phone', `wrote ${n} ${plural(n, 'todo')}`);
  await laptop.receive(fromPhone, "the phone's first todos");
  t.line('laptop', `has the phone's ${n} ${plural(n, 'todo')} (${Date.now() - started} ms after they were written)`, 'good');
  started = Date.now();
  const fromLaptop = await laptop.write('first', n);
  t.line('laptop', `wrote ${n} ${plural(n, 'todo')}`);
  await phone.receive(fromLaptop, "the laptop's first todos");
  t.line('phone', `has the laptop's ${n} ${plural(n, 'todo')} (${Date.now() - started} ms after they were written)`, 'good');

  t.step('A proactive refresh',
    `Access tokens live ${options.accessTtl} s (the client counts one second less: exp has one-second resolution); each device refreshes a quarter of that before expiry, and sync keeps running.`);
  const refreshedBefore = run.devices.map((d) => d.refreshes);
  await waitUntil(() => run.devices.every((d, i) => d.refreshes > (refreshedBefore[i] ?? 0)), 'a refresh on both devices',
    options.accessTtl * 1000 + options.waitMs);

  t.step('The server goes away, and comes back',
    'Offline is not expired: the devices stay signed in through an access-token expiry, keep the writes, and catch up by themselves.');
  run.serverStats.push(server.current.stats());
  t.line('server', 'going away: the HTTP server closes with every connection (its data stays on disk)', 'warn');
  await server.current.close();
  await Promise.all(run.devices.map((d) => d.until((s) => s.sync === 'offline', 'sync offline')));
  const offline = await phone.write('offline', n);
  await phone.until((s) => s.pendingWrites === n, `${n} pending writes`);
  t.line('phone', `wrote ${n} ${plural(n, 'todo')} while offline: status.pendingWrites is ${n}`);
  // Outlive the access tokens while down: the refresh fails with a network error, and that is all.
  const expiry = Math.max(...run.devices.map((d) => d.client.status.accessExpiresAt ?? 0));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now()) + 250));
  const sessions = run.devices.map((d) => `${d.name} ${d.client.status.session}`).join(', ');
  t.line('demo', `the access tokens have expired while the server is down; still signed in (${sessions})`);
  await server.restart();
  const back = Date.now();
  t.line('server', `started again on the same port (${server.current.httpUrl}), same data`, 'good');
  t.line('demo', 'each device notices at its next retry (backoff: 0.5 s, doubling while the server was down, at most 30 s)', 'dim');
  await Promise.all(run.devices.map((d) => d.until((s) => s.session === 'active' && s.sync === 'running', 'active and running again')));
  await phone.client.awaitInSync();
  await laptop.receive(offline, "the phone's offline todos");
  t.line('laptop', `has the phone's ${n} offline ${plural(n, 'todo')}, ${seconds(Date.now() - back)} after the server came back`, 'good');

  t.step('The refresh token expires',
    `Refresh tokens live ${options.refreshTtl} s from login. The next refresh finds it expired (the client reads the expiry from the token and sends nothing): sync pauses, it is not cancelled, and the app is asked once to log the user in again.`);
  const refreshExpiresAt = Math.max(...run.devices.map((d) => d.client.status.refreshExpiresAt ?? 0));
  t.line('demo', `waiting ${seconds(refreshExpiresAt - Date.now())} for the refresh tokens to run out…`, 'dim');
  const expiryWait = Math.max(0, refreshExpiresAt - Date.now()) + options.accessTtl * 1000 + options.waitMs;
  await Promise.all(run.devices.map((d) => d.until((s) => s.session === 'refreshExpired' && s.sync === 'paused', 'refreshExpired, paused', expiryWait)));
  await waitUntil(() => run.devices.every((d) => d.prompts.length === 1), 'onReloginRequired on both devices', options.waitMs);

  t.step('The laptop logs in again at once; the phone keeps working while paused',
    'A relogin as the same user resumes the same replication. The paused phone sends nothing and queues its writes.');
  await laptop.login();
  await laptop.until((s) => s.session === 'active' && s.sync === 'running', 'active and running after the relogin');
  const paused = await phone.write('paused', n);
  await phone.until((s) => s.pendingWrites === n, `${n} pending writes while paused`);
  const sent = (await server.current.readDocuments(run.userId, 'todo')).filter((d) => paused.includes(d.id)).length;
  if (sent > 0) throw new Error(`${sent} of the phone's paused writes reached the server before its relogin`);
  t.line('phone', `wrote ${n} ${plural(n, 'todo')} while the relogin is pending: ${n} waiting, none sent (none is on the server)`, 'warn');
  const meanwhile = await laptop.write('meanwhile', n);
  await laptop.client.awaitInSync();
  t.line('laptop', `wrote ${n} ${plural(n, 'todo')}, pushed at once`);

  t.step('The phone logs in again: its backlog goes up, the laptop’s changes come down');
  started = Date.now();
  await phone.login();
  await phone.client.awaitInSync();
  t.line('phone', `pushed its ${n} waiting ${plural(n, 'write')} and pulled the laptop's (${Date.now() - started} ms after the relogin)`, 'good');
  await laptop.receive(paused, "the phone's backlog");
  t.line('laptop', `has the phone's ${n} paused ${plural(n, 'todo')} through the live stream (${Date.now() - started} ms after the relogin)`, 'good');
  await phone.receive(meanwhile, "the laptop's todos written meanwhile");
  await Promise.all(run.devices.map((d) => d.until((s) => s.pendingWrites === 0, 'an empty outbox')));
}

/** Checks every write against the server and prints the summary; true when nothing was lost or doubled. */
async function summary(t: Timeline, run: Run, server: SyncServer | null): Promise<boolean> {
  const written = run.devices.flatMap((d) => d.written);
  const onServer = server ? await server.readDocuments(run.userId, 'todo') : [];
  const counts = new Map<string, number>();
  for (const doc of onServer) if (!doc.deleted) counts.set(doc.id, (counts.get(doc.id) ?? 0) + 1);
  const deviceIds = await Promise.all(run.devices.map((d) => d.ids().catch(() => [] as string[])));
  // A write missing on the server but still on its device is waiting, not lost (a story cut short).
  const local = new Set(run.devices.flatMap((d, i) => (deviceIds[i] ?? []).filter((id) => d.written.includes(id))));
  const missing = written.filter((id) => !counts.has(id));
  const lost = missing.filter((id) => !local.has(id)).length;
  const waiting = missing.length - lost;
  const doubled = [...counts.values()].filter((c) => c > 1).length + written.length - new Set(written).size;
  const unexpected = [...counts.keys()].filter((id) => !written.includes(id)).length;
  const serverIds = [...counts.keys()].sort().join();
  const converged = deviceIds.every((ids) => ids.join() === serverIds);
  const stats = server ? [...run.serverStats, server.stats()] : run.serverStats;
  const total = (key: keyof ServerStats): number => stats.reduce((sum, s) => sum + s[key], 0);
  const ok = lost === 0 && waiting === 0 && doubled === 0 && unexpected === 0 && converged && server !== null;

  t.step('Summary');
  const per = (f: (d: Device) => number | string): string => run.devices.map((d) => `${d.name} ${f(d)}`).join(', ');
  t.table([
    ['documents written', `${written.length} (${per((d) => d.written.length)})`],
    ['documents on the server', String(counts.size)],
    ['lost', `lost: ${lost}`, lost === 0 ? 'good' : 'bad'],
    ...(waiting > 0 ? [['not pushed yet', `${waiting} (still on the device that wrote them)`, 'warn'] as [string, string, 'warn']] : []),
    ['doubled', `doubled: ${doubled + unexpected}`, doubled + unexpected === 0 ? 'good' : 'bad'],
    ['devices converged', `${converged ? 'yes' : 'no'} (${per((d) => deviceIds[run.devices.indexOf(d)]?.length ?? 0)} documents)`, converged ? 'good' : 'bad'],
    ['refreshes', `${run.devices.reduce((s, d) => s + d.refreshes, 0)} (${per((d) => d.refreshes)}); the server answered ${total('refreshes')}, refused ${total('refreshFailures')}`],
    ['relogin prompts', `${run.devices.reduce((s, d) => s + d.prompts.length, 0)} (${per((d) => d.prompts.length)})`],
    ['relogins', `${run.devices.reduce((s, d) => s + d.relogins, 0)} (${per((d) => d.relogins)})`],
    ['requests', `${total('logins')} logins, ${total('pulls')} pulls, ${total('pushes')} pushes, ${total('streamConnects')} stream connects`],
    ['time', seconds(t.elapsed() * 1000)],
  ]);
  t.note('');
  t.note(ok ? 'Nothing lost, nothing doubled.' : 'Something was lost, doubled, or did not converge: see above.', ok ? 'good' : 'bad');
  return ok;
}

async function main(): Promise<number> {
  let options: DemoOptions | 'help';
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const t = createTimeline();
  t.note(`session-sync demo: two devices of one user against the reference server, in this process`, 'plain');
  t.note(`access tokens live ${options.accessTtl} s, refresh tokens ${options.refreshTtl} s; ${options.docs} ${plural(options.docs, 'todo')} per device and step (npm run demo -- --help for flags)`, 'dim');

  t.line('server', 'starting…', 'dim');
  const data = await demoDataDir();
  const dataDir = data.dir;
  // Ctrl-C during the story: leave no data directory behind.
  const interrupted = (): void => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', interrupted);
  const serverOptions = { dataDir, accessTokenTtlSec: options.accessTtl, refreshTokenTtlSec: options.refreshTtl };
  let relay: InspectorRelay | undefined;
  let inspector: ReturnType<typeof createWebSocketInspector> | undefined;
  let current: SyncServer | null = null;
  const run: Run = { devices: [], userId: '', serverStats: [] };
  let ok = false;
  try {
    if (!data.fromCache) t.line('server', 'PGlite created its database (first run only; later runs start from a copy in node_modules/.cache)', 'dim');
    current = await startServer(serverOptions);
    const port = current.port;
    t.line('server', `listening on ${current.httpUrl} (PGlite in ${dataDir})`, 'good');
    run.userId = (await current.createUser(credentials)).userId;
    t.line('server', `user ${credentials.username} created`);

    if (options.inspect) {
      relay = await startInspectorRelay({ port: options.inspectPort, replayLimit: 10_000 });
      inspector = createWebSocketInspector({ url: relay.url });
      t.line('demo', `inspector relay on ${relay.url} (bound to ${relay.address}); open ${relay.pageUrl} in a browser to watch both statecharts`, 'warn');
      t.line('demo', 'that page embeds Stately\'s hosted inspector (https://stately.ai/inspect): the viewer needs internet', 'dim');
    }

    const endpoints: Endpoints = { authUrl: current.authUrl, appId: current.appId, graphqlUrl: current.graphqlUrl, wsUrl: current.wsUrl };
    for (const name of ['phone', 'laptop'] as const) {
      run.devices.push(createDevice({ name, endpoints, credentials, timeline: t, waitMs: options.waitMs, ...(inspector ? { inspect: inspector.inspect } : {}) }));
    }
    const server = {
      get current(): SyncServer {
        if (current === null) throw new Error('the server is down');
        return current;
      },
      async restart() {
        current = null;
        current = await startServer({ ...serverOptions, port });
      },
    };
    // While the server is down, `current` still names the closed one until restart() replaces it.
    await story(t, options, server, run);
    ok = await summary(t, run, current);
  } catch (error) {
    t.note('');
    t.note(`✗ ${(error as Error).message}`, 'bad');
    await summary(t, run, current).catch(() => false);
    ok = false;
  } finally {
    await Promise.all(run.devices.map((d) => d.close().catch(() => undefined)));
    process.off('SIGINT', interrupted);
    if (relay) {
      // The relay replays every actor registration and the latest events to a viewer that connects now.
      t.note(`\nThe inspector relay stays up with the whole story: ${relay.pageUrl}. Ctrl-C to stop.`, 'dim');
      await once(process, 'SIGINT');
    }
    inspector?.stop();
    await relay?.close();
    await current?.close().catch(() => undefined);
    await data.remove();
  }
  return ok ? 0 : 1;
}

process.exitCode = await main();
