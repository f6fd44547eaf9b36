// One bench server in its own process, so the client lanes never share an event loop with it:
//   argv[2] = memory   → bench/lane-server (fast, in memory, bench only)
//   argv[2] = pglite   → the reference server (examples/server) on PGlite in memory
//   argv[2] = postgres → the reference server on the PostgreSQL database in BENCH_SERVER_DATABASE_URL
// Reports its URLs over IPC, answers operator calls (stats, createUser, revokeSessions) as
// { id, result | error } messages, and exits when the parent disconnects.
import { startServer } from '../examples/server/start-server.ts';
import type { ServerStats } from '../examples/server/stats.ts';
import { startLaneServer } from './lane-server/lane-server.ts';

/** A call from the parent: one of the server's operator methods. */
export type ServerCall =
  | { id: number; op: 'stats' }
  | { id: number; op: 'createUser'; username: string; password: string }
  | { id: number; op: 'revokeSessions'; userId: string }
  | { id: number; op: 'forgetDocuments'; userId: string };

/** The kinds of server the bench runs against. */
export type ServerKind = 'memory' | 'pglite' | 'postgres';

interface Running {
  httpUrl: string;
  authUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  appId: string;
  stats(): ServerStats;
  createUser(user: { username: string; password: string }): Promise<{ userId: string }>;
  revokeSessions(userId: string): Promise<void>;
  /** Lane server only: drops the user's documents (keeps its heap, and its GC pauses, small over a run). */
  forgetDocuments?(userId: string): Promise<void>;
  close(): Promise<void>;
}

async function answer(server: Running, call: ServerCall): Promise<unknown> {
  switch (call.op) {
    case 'stats':
      return server.stats();
    case 'createUser':
      return server.createUser({ username: call.username, password: call.password });
    case 'revokeSessions':
      return server.revokeSessions(call.userId);
    case 'forgetDocuments':
      return server.forgetDocuments?.(call.userId);
  }
}

const kind = process.argv[2] as ServerKind;
// Logins on the reference server: the cheapest scrypt cost keeps set-up and the login cycle short.
const server: Running =
  kind === 'memory'
    ? await startLaneServer({ port: 0 })
    : await startServer({ port: 0, scryptCost: 1024, databaseUrl: kind === 'postgres' ? process.env.BENCH_SERVER_DATABASE_URL : undefined });
process.on('message', (call: ServerCall) => {
  answer(server, call).then(
    (result) => process.send?.({ id: call.id, result }),
    (error: unknown) => process.send?.({ id: call.id, error: String(error) }),
  );
});
const { httpUrl, authUrl, graphqlUrl, wsUrl, appId } = server;
process.send?.({ ready: { httpUrl, authUrl, graphqlUrl, wsUrl, appId } });
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
