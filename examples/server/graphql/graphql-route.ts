import type { AuthService } from '../auth/auth-service.ts';
import { TokenRejected } from '../auth/token-signer.ts';
import { requestBearerToken } from '../http/bearer-token.ts';
import { HttpError } from '../http/http-error.ts';
import { readJsonBody } from '../http/read-json-body.ts';
import type { Router } from '../http/router.ts';
import { sendJson } from '../http/send-json.ts';
import type { ServerStats } from '../stats.ts';
import type { GraphQLExecutor } from './graphql-executor.ts';

/**
 * Registers `POST /graphql`: bearer access token first (401 UNAUTHENTICATED), then the body, then execution.
 *
 * @example
 * addGraphQLRoute(router, { auth, executor, maxBodyBytes: 1_048_576, stats });
 */
export function addGraphQLRoute(router: Router, deps: { auth: AuthService; executor: GraphQLExecutor; maxBodyBytes: number; stats: ServerStats }): void {
  const { auth, executor, maxBodyBytes, stats } = deps;
  router.on('POST', '/graphql', async (req, res) => {
    const unauthenticated = (message: string) => {
      stats.graphqlAuthFailures += 1;
      sendJson(res, 401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    };
    const token = requestBearerToken(req);
    if (!token) return unauthenticated('missing Authorization: Bearer <access token>');
    let user;
    try {
      user = await auth.authenticate(token);
    } catch (error) {
      if (error instanceof TokenRejected) return unauthenticated(`access token rejected: ${error.message}`);
      throw error;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] }, error.headers);
    }
    const { status, body: answer } = await executor.run(body, user);
    sendJson(res, status, answer);
  });
}
