// The reference server in its own process, so the client lanes never share an event loop with it.
// Reports its URLs over IPC, answers operator calls (stats, createUser, revokeSessions) as
// { id, result | error } messages, and exits when the parent disconnects.
import { startServer, type SyncServer } from '../examples/server/start-server.ts';

/** A call from the parent: one of the server's operator methods. */
export type ServerCall =
  | { id: number; op: 'stats' }
  | { id: number; op: 'createUser'; username: string; password: string }
  | { id: number; op: 'revokeSessions'; userId: string };

async function answer(server: SyncServer, call: ServerCall): Promise<unknown> {
  switch (call.op) {
    case 'stats':
      return server.stats();
    case 'createUser':
      return server.createUser({ username: call.username, password: call.password });
    case 'revokeSessions':
      return server.revokeSessions(call.userId);
  }
}

// Logins happen outside every timed section; the cheapest scrypt cost keeps set-up short.
const server = await startServer({ port: 0, scryptCost: 1024 });
process.on('message', (call: ServerCall) => {
  answer(server, call).then(
    (result) => process.send?.({ id: call.id, result }),
    (error: unknown) => process.send?.({ id: call.id, error: String(error) }),
  );
});
process.send?.({ ready: { httpUrl: server.httpUrl, authUrl: server.authUrl, graphqlUrl: server.graphqlUrl, appId: server.appId } });
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
