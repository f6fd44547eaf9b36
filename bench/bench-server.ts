// The parent's handle on bench/sync-server.ts: one reference server process for the whole run.
import { fork, type ChildProcess } from 'node:child_process';
import type { ServerStats } from '../examples/server/stats.ts';
import type { ServerCall } from './sync-server.ts';

/** A user of the bench server, logged in over HTTP (lanes L1–L3 use its access token). */
export interface BenchUser { userId: string; username: string; password: string; token: string }

/** Where the server listens. */
export interface ServerUrls { httpUrl: string; authUrl: string; graphqlUrl: string; appId: string }

type CallBody = ServerCall extends infer C ? (C extends ServerCall ? Omit<C, 'id'> : never) : never;

/** The server process, its URLs and its operator calls. */
export class BenchServer {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 0;
  #users = 0;
  readonly httpUrl: string;
  readonly authUrl: string;
  readonly graphqlUrl: string;
  readonly appId: string;

  private constructor(child: ChildProcess, urls: ServerUrls) {
    this.#child = child;
    ({ httpUrl: this.httpUrl, authUrl: this.authUrl, graphqlUrl: this.graphqlUrl, appId: this.appId } = urls);
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  /** Forks the server and resolves once it listens. */
  static async start(): Promise<BenchServer> {
    const child = fork(new URL('./sync-server.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx'] });
    const urls = await new Promise<ServerUrls>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
      child.on('message', (m: { ready?: ServerUrls }) => m.ready && resolve(m.ready));
    });
    return new BenchServer(child, urls);
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

  /** A new user, logged in over HTTP. */
  async newUser(): Promise<BenchUser> {
    const username = `bench-${process.pid}-${++this.#users}@example.com`;
    const password = 'bench password';
    const { userId } = await this.#call<{ userId: string }>({ op: 'createUser', username, password });
    const res = await fetch(`${this.authUrl}/app/${this.appId}/auth/providers/local-userpass/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`bench login failed with ${res.status}`);
    const { access_token: token } = (await res.json()) as { access_token: string };
    return { userId, username, password, token };
  }

  /** Stops the server process. */
  close(): void {
    this.#child.disconnect();
  }
}
