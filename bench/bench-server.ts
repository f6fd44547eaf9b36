// The parent's handle on bench/sync-server.ts: one server process per server kind for the whole run.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ServerStats } from '../examples/server/stats.ts';
import type { ServerCall, ServerKind } from './sync-server.ts';

/** A user of the bench server, logged in over HTTP (the raw lanes use its access token). */
export interface BenchUser { userId: string; username: string; password: string; token: string }

/** Tokens of one login (what App Services' login answers). */
export interface LoginGrant { accessToken: string; refreshToken: string; userId: string }

/** Where the server listens. */
export interface ServerUrls { httpUrl: string; authUrl: string; graphqlUrl: string; wsUrl: string; appId: string }

type CallBody = ServerCall extends infer C ? (C extends ServerCall ? Omit<C, 'id'> : never) : never;

/** The PostgreSQL admin URL the bench may create a throwaway database on, if any. */
export const postgresAdminUrl = (): string | undefined => process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `session_sync_bench_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/** The server process, its URLs and its operator calls. */
export class BenchServer {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #exited: Promise<void>;
  readonly #dropDatabase: (() => Promise<void>) | undefined;
  #nextId = 0;
  #users = 0;
  readonly kind: ServerKind;
  readonly httpUrl: string;
  readonly authUrl: string;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  readonly appId: string;

  private constructor(kind: ServerKind, child: ChildProcess, urls: ServerUrls, dropDatabase?: () => Promise<void>) {
    this.kind = kind;
    this.#child = child;
    this.#dropDatabase = dropDatabase;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    ({ httpUrl: this.httpUrl, authUrl: this.authUrl, graphqlUrl: this.graphqlUrl, wsUrl: this.wsUrl, appId: this.appId } = urls);
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  /** Forks the server of `kind` (PostgreSQL: on a fresh database, dropped by close) and resolves once it listens. */
  static async start(kind: ServerKind): Promise<BenchServer> {
    const adminUrl = postgresAdminUrl();
    if (kind === 'postgres' && !adminUrl) throw new Error('the postgres server needs TEST_DATABASE_URL or DATABASE_URL');
    const database = kind === 'postgres' ? await createDatabase(adminUrl!) : undefined;
    const child = fork(new URL('./sync-server.ts', import.meta.url).pathname, [kind], {
      execArgv: ['--import', 'tsx', ...(kind === 'memory' ? ['--max-semi-space-size=32'] : [])],
      env: { ...process.env, ...(database ? { BENCH_SERVER_DATABASE_URL: database.url } : {}) },
    });
    try {
      const urls = await new Promise<ServerUrls>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`bench server (${kind}) exited with ${code}`)));
        child.on('message', (m: { ready?: ServerUrls }) => m.ready && resolve(m.ready));
      });
      return new BenchServer(kind, child, urls, database?.drop);
    } catch (error) {
      await database?.drop();
      throw error;
    }
  }

  #call<T>(body: CallBody): Promise<T> {
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ ...body, id });
    });
  }

  /** The server's request counters (pulls, pushes, logins…). */
  stats(): Promise<ServerStats> {
    return this.#call({ op: 'stats' });
  }

  /** Ends every session of the user: its next refresh is refused (relogin required). */
  revokeSessions(userId: string): Promise<void> {
    return this.#call({ op: 'revokeSessions', userId });
  }

  /** Lane server: drops the user's documents once a lane has checked them (a no-op on the reference servers). */
  forgetDocuments(userId: string): Promise<void> {
    return this.#call({ op: 'forgetDocuments', userId });
  }

  /** Logs in over HTTP, as App Services' local-userpass login. */
  async login(username: string, password: string): Promise<LoginGrant> {
    const res = await fetch(`${this.authUrl}/app/${this.appId}/auth/providers/local-userpass/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`bench login failed with ${res.status}`);
    const body = (await res.json()) as { access_token: string; refresh_token: string; user_id: string };
    return { accessToken: body.access_token, refreshToken: body.refresh_token, userId: body.user_id };
  }

  /** Ends the session of a refresh token (DELETE /auth/session). */
  async logout(refreshToken: string): Promise<void> {
    const res = await fetch(`${this.authUrl}/auth/session`, { method: 'DELETE', headers: { authorization: `Bearer ${refreshToken}` } });
    if (res.status !== 204) throw new Error(`bench logout failed with ${res.status}`);
  }

  /** A new user, logged in over HTTP. */
  async newUser(): Promise<BenchUser> {
    const username = `bench-${process.pid}-${++this.#users}@example.com`;
    const password = 'bench password';
    const { userId } = await this.#call<{ userId: string }>({ op: 'createUser', username, password });
    const { accessToken: token } = await this.login(username, password);
    return { userId, username, password, token };
  }

  /** Stops the server process (and drops its PostgreSQL database). */
  async close(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await this.#dropDatabase?.();
  }
}
