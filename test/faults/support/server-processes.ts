// Server processes a fault scenario can kill: the reference server restarted on the same data and the
// same port, and two servers on one PostgreSQL database behind a switch that fails over from one to the
// other. Each is a SyncServer whose controls reach whichever process runs now; hand it to
// startScenarioOn. Counters add up over the processes (activeStreams is the running one's).
import { cp, rm } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startServer, type ServerOptions, type SyncServer } from '../../../examples/server/start-server.ts';
import { emptyStats, type ServerStats } from '../../../examples/server/stats.ts';
import { freshPgliteDir } from '../../helpers/pglite-template.ts';
import { sharedDatabaseLanes, TEST_SCRYPT_COST } from '../../helpers/server-lanes.ts';

/** The reference server, stopped and started again on the same data directory and port. */
export interface RestartableServer extends SyncServer {
  /** Closes the running process: its connections drop and its port is free. */
  stop(): Promise<void>;
  /** Starts a new process on the same data and port. */
  start(): Promise<void>;
  /** Processes started so far. */
  readonly starts: number;
  /** Stops the server, copies its data directory (an operator's backup) and starts it again. */
  backup(): Promise<ServerBackup>;
  /** Stops the server, puts the backup's data in place of its own and starts it on that (a restore). */
  restore(backup: ServerBackup): Promise<void>;
}

/** A copy of a restartable server's data directory, removed with the server. */
export interface ServerBackup {
  readonly dir: string;
}

/** The reference server for one restartable scenario: PGlite on a data directory of its own (removed on close). */
export async function startRestartableServer(options: ServerOptions = {}): Promise<RestartableServer> {
  const dir = await freshPgliteDir();
  const base = { host: '127.0.0.1', accessTokenTtlSec: 1800, refreshTokenTtlSec: 3600, scryptCost: TEST_SCRYPT_COST, ...options, dataDir: dir.dir };
  let current: SyncServer | null = await startServer({ ...base, port: 0 });
  const port = current.port;
  let starts = 1;
  let clockShift = 0;
  let finished = emptyStats();
  const backups: ServerBackup[] = [];
  const running = (): SyncServer => {
    if (!current) throw new Error('the server is stopped');
    return current;
  };
  const stop = async (): Promise<void> => {
    if (!current) return;
    const closing = current;
    finished = add(finished, closing.stats());
    current = null;
    await closing.close();
  };
  const server: RestartableServer = {
    ...controls(running, port, () => [finished, current?.stats()]),
    shiftClock(ms) {
      clockShift += ms;
      current?.shiftClock(ms);
    },
    get starts() {
      return starts;
    },
    stop,
    async start() {
      if (current) return;
      const next = await startServer({ ...base, port });
      if (clockShift) next.shiftClock(clockShift);
      current = next;
      starts += 1;
    },
    async backup() {
      await stop();
      const backup = { dir: `${dir.dir}-backup-${backups.length + 1}` };
      await cp(dir.dir, backup.dir, { recursive: true });
      backups.push(backup);
      await server.start();
      return backup;
    },
    async restore(backup) {
      await stop();
      await rm(dir.dir, { recursive: true, force: true });
      await cp(backup.dir, dir.dir, { recursive: true });
      await server.start();
    },
    async close() {
      await stop();
      await dir.remove();
      for (const backup of backups) await rm(backup.dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Two server processes on one PostgreSQL database; clients reach the primary through a switch until it fails over. */
export interface FailoverPair extends SyncServer {
  readonly primary: SyncServer;
  readonly standby: SyncServer;
  /** Kills the primary (its connections drop), then points the switch at the standby. */
  failOver(): Promise<void>;
}

/** Whether two server processes can share a database here (TEST_DATABASE_URL names a PostgreSQL). */
export const canFailOver = sharedDatabaseLanes.length > 0;

/** A fresh database with a primary and a standby server on it, behind a switch; close drops the database. */
export async function startFailoverPair(options: ServerOptions = {}): Promise<FailoverPair> {
  const lane = sharedDatabaseLanes[0];
  if (!lane?.freshDatabase) throw new Error('a failover needs PostgreSQL: set TEST_DATABASE_URL');
  const database = await lane.freshDatabase();
  const base = { host: '127.0.0.1', accessTokenTtlSec: 1800, refreshTokenTtlSec: 3600, scryptCost: TEST_SCRYPT_COST, ...options, port: 0, databaseUrl: database.url };
  const primary = await startServer(base);
  const standby = await startServer(base);
  const forwarder = await startSwitch(primary.port);
  let active = primary;
  let primaryDown = false;
  return {
    ...controls(() => active, forwarder.port, () => [primary.stats(), standby.stats()]),
    primary,
    standby,
    shiftClock(ms) {
      primary.shiftClock(ms);
      standby.shiftClock(ms);
    },
    async failOver() {
      primaryDown = true;
      await primary.close();
      active = standby;
      forwarder.switchTo(standby.port);
    },
    async close() {
      await forwarder.close();
      if (!primaryDown) await primary.close();
      await standby.close();
      await database.drop();
    },
  };
}

/**
 * A TCP forwarder on 127.0.0.1 whose target can be switched; switching drops the open connections.
 * `freeze()` turns every connection open now into a dead route (it stays open and carries nothing, either
 * way, ever) while new connections pass: a socket that went silent under a live stream.
 */
export async function startSwitch(targetPort: number): Promise<{ port: number; switchTo(port: number): void; freeze(): number; close(): Promise<void> }> {
  let target = targetPort;
  const open = new Set<net.Socket>();
  const frozen = new WeakSet<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!frozen.has(client)) client.destroy();
    });
    client.on('data', (chunk) => {
      if (!frozen.has(client) && !upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen.has(client) && !client.destroyed) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    switchTo(port) {
      target = port;
      for (const socket of open) socket.destroy();
    },
    freeze() {
      let n = 0;
      for (const socket of open) {
        if (frozen.has(socket)) continue;
        frozen.add(socket);
        n += 1;
      }
      return n;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The operator controls of whichever process `running()` returns, at `port`'s URLs.
function controls(running: () => SyncServer, port: number, parts: () => Array<ServerStats | undefined>): Omit<SyncServer, 'shiftClock' | 'close'> {
  const httpUrl = `http://127.0.0.1:${port}`;
  const first = running();
  return {
    httpUrl,
    authUrl: first.authUrl.replace(first.httpUrl, httpUrl),
    graphqlUrl: `${httpUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    appId: first.appId,
    port,
    createUser: (user) => running().createUser(user),
    revokeSessions: (userId) => running().revokeSessions(userId),
    setCustomData: (userId, data) => running().setCustomData(userId, data),
    readDocuments: (userId, collection) => running().readDocuments(userId, collection),
    onRevoked: (listener) => running().onRevoked(listener),
    mailsSettled: () => running().mailsSettled(),
    stats: () => {
      const [head, ...rest] = parts();
      let total = head ?? emptyStats();
      for (const part of rest) if (part) total = add(total, part);
      // A gauge, not a counter: the processes running now.
      return { ...total, activeStreams: parts().reduce((n, p) => n + (p?.activeStreams ?? 0), 0) };
    },
  };
}

function add(a: ServerStats, b: ServerStats): ServerStats {
  const sum = { ...a };
  for (const key of Object.keys(b) as Array<keyof ServerStats>) sum[key] = (a[key] ?? 0) + b[key];
  return { ...sum, activeStreams: 0 };
}
