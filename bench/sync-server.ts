// The reference server in its own process, so the client lanes of bench/sync-replication.ts do not
// share an event loop with it. Reports its URLs over IPC; exits when the parent disconnects.
import { startServer } from '../examples/server/start-server.ts';

const server = await startServer({ port: 0 });
process.send?.({ httpUrl: server.httpUrl, authUrl: server.authUrl, graphqlUrl: server.graphqlUrl, appId: server.appId });
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
